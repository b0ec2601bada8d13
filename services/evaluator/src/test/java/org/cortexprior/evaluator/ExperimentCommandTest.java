package org.cortexprior.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.cortexprior.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** Runs the experiment command end to end with the real trainer on a small CIFAR-10 binary folder. */
class ExperimentCommandTest {

    private static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");

    @TempDir
    Path directory;

    @Test
    void experimentTrainsEachVariant() throws Exception {
        Path cifar = directory.resolve("cifar");
        writeCifarBinary(cifar, 40, 60);
        Path out = directory.resolve("experiment");

        int code = new CommandLine(new ExperimentCommand()).execute("--images", cifar.toString(), "--targets",
                "none,blur", "--seeds", "1", "--profile", "smoke", "--out", out.toString(), "--smoke",
                "--attack-images", "3", "--hybrid-pairs", "5");

        assertEquals(ExitCodes.OK, code);
        ExperimentResults results = ReportWriter.readResults(out.resolve(ReportWriter.JSON));
        assertEquals(List.of("none", "blur"), results.variants());
        assertEquals(2, results.runs().size());
        assertTrue(Files.exists(out.resolve("runs/blur-seed1/summary.json")), "blur run trained");
        assertTrue(Files.size(out.resolve(ReportWriter.HTML)) > 1000, "report.html written");
    }

    @Test
    void streamedTargetNeedsBootstrapServers() throws Exception {
        Path cifar = directory.resolve("cifar");
        writeCifarBinary(cifar, 10, 10);
        CommandLine command = new CommandLine(new ExperimentCommand());
        StringBuilder message = new StringBuilder();
        command.setExecutionExceptionHandler((e, cli, parsed) -> {
            message.append(e.getMessage());
            return e instanceof IllegalArgumentException ? ExitCodes.USAGE : ExitCodes.FAILED;
        });

        int code = command.execute("--images", cifar.toString(), "--targets", "neural,none", "--out",
                directory.resolve("out").toString());

        assertEquals(ExitCodes.USAGE, code);
        assertTrue(message.toString().contains("--bootstrap-servers"), message.toString());
    }

    /** Writes data_batch_1..5.bin with {@code perBatch} random records each and test_batch.bin with {@code test}. */
    private static void writeCifarBinary(Path dir, int perBatch, int test) throws Exception {
        Files.createDirectories(dir);
        Random random = new Random(11);
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
