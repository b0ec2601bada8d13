package org.cortexprior.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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

    @TempDir
    Path directory;

    @Test
    void evaluateWritesReport() throws Exception {
        Path run = directory.resolve("run");
        writeCheckpoint(run);
        Path cifar = directory.resolve("cifar");
        CifarBinaryFixture.write(cifar, 20, 60, 5);
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
        CifarBinaryFixture.write(cifar, 10, 10, 5);
        CommandLine command = new CommandLine(new EvaluateCommand());
        command.setExecutionExceptionHandler((e, cli, parsed) -> e instanceof org.cortexprior.cli.InvalidInputException
                ? ExitCodes.INVALID_INPUT : ExitCodes.FAILED);
        int code = command.execute("--checkpoint", directory.resolve("absent").toString(), "--images", cifar.toString(),
                "--out", directory.resolve("out").toString(), "--smoke");
        assertEquals(ExitCodes.INVALID_INPUT, code);
    }

    private static void writeCheckpoint(Path run) {
        Engine.getInstance().setRandomSeed(3);
        ModelSpec spec = ModelSpec.resnet18(0.125, 32, CifarBinaryFixture.CLASSES, 0);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TappedResNet model = new TappedResNet(spec);
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 32, 32));
            CheckpointStore.write(run.resolve("best"), new CheckpointStore.Manifest(CheckpointStore.FORMAT,
                    CheckpointStore.FORMAT_VERSION, spec, "model-1.params", null, 1, 0, 1, 0.1, 3, Map.of()), model, null);
        }
    }
}
