package org.cortexprior.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.cortexprior.cli.ExitCodes;
import org.cortexprior.trainer.internals.CheckpointStore;
import org.cortexprior.trainer.internals.ModelSpec;
import org.cortexprior.trainer.internals.TappedResNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * The {@code evaluate} command on a freshly initialised checkpoint of the trainer's ResNet and a
 * small CIFAR-10 binary directory written by the test.
 */
class EvaluateCommandTest {

    private static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");

    @TempDir
    Path directory;

    @Test
    void evaluateWritesReport() throws Exception {
        Path run = directory.resolve("run");
        writeCheckpoint(run);
        Path cifar = directory.resolve("cifar");
        writeCifarBinary(cifar, 20, 60);
        Path out = directory.resolve("evaluation");

        int code = new CommandLine(new EvaluateCommand()).execute("--checkpoint", run.toString(), "--images",
                cifar.toString(), "--out", out.toString(), "--smoke", "--attack-images", "4", "--hybrid-pairs", "10",
                "--device", "cpu");
        assertEquals(ExitCodes.OK, code);

        ExperimentResults results = ReportWriter.readResults(out.resolve(ReportWriter.JSON));
        assertEquals(1, results.runs().size());
        RobustnessResult result = results.runs().get(0).result();
        assertEquals(60, result.testImages(), "the whole test split is read");
        assertTrue(result.cleanAccuracy() >= 0 && result.cleanAccuracy() <= 1, "accuracy " + result.cleanAccuracy());
        assertTrue(Files.size(out.resolve(ReportWriter.HTML)) > 1000, "report.html written");
        assertTrue(Files.exists(out.resolve("accuracy-vs-noise.png")), "noise plot written");
        assertEquals(2, results.provenance().size(), "test images and checkpoint");
    }

    @Test
    void missingCheckpointIsInvalidInput() throws Exception {
        Path cifar = directory.resolve("cifar");
        writeCifarBinary(cifar, 10, 10);
        CommandLine command = new CommandLine(new EvaluateCommand());
        command.setExecutionExceptionHandler((e, cli, parsed) -> e instanceof org.cortexprior.cli.InvalidInputException
                ? ExitCodes.INVALID_INPUT : ExitCodes.FAILED);
        int code = command.execute("--checkpoint", directory.resolve("absent").toString(), "--images", cifar.toString(),
                "--out", directory.resolve("out").toString(), "--smoke");
        assertEquals(ExitCodes.INVALID_INPUT, code);
    }

    private static void writeCheckpoint(Path run) {
        Engine.getInstance().setRandomSeed(3);
        ModelSpec spec = ModelSpec.resnet18(0.125, 32, CLASSES, 0);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TappedResNet model = new TappedResNet(spec);
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 32, 32));
            CheckpointStore.write(run.resolve("best"), new CheckpointStore.Manifest(CheckpointStore.FORMAT,
                    CheckpointStore.FORMAT_VERSION, spec, "model-1.params", null, 1, 0, 1, 0.1, 3, Map.of()), model, null);
        }
    }

    /** Writes data_batch_1..5.bin with {@code perBatch} random records each and test_batch.bin with {@code test}. */
    private static void writeCifarBinary(Path dir, int perBatch, int test) throws Exception {
        Files.createDirectories(dir);
        Random random = new Random(5);
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), records(perBatch, random));
        }
        Files.write(dir.resolve("test_batch.bin"), records(test, random));
        Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", CLASSES) + "\n");
    }

    private static byte[] records(int count, Random random) {
        byte[] bytes = new byte[count * 3073];
        for (int i = 0; i < count; i++) {
            bytes[i * 3073] = (byte) (i % 10);
            for (int j = 1; j < 3073; j++) {
                bytes[i * 3073 + j] = (byte) random.nextInt(256);
            }
        }
        return bytes;
    }
}
