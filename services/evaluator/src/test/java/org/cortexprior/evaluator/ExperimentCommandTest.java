package org.cortexprior.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.cortexprior.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** Runs the experiment command end to end with the real trainer on a small CIFAR-10 binary folder. */
class ExperimentCommandTest {

    @TempDir
    Path directory;

    @Test
    void experimentTrainsEachVariant() throws Exception {
        Path cifar = directory.resolve("cifar");
        CifarBinaryFixture.write(cifar, 40, 60, 11);
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
        CifarBinaryFixture.write(cifar, 10, 10, 11);
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
}
