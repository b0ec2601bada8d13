package org.cortexprior.deployment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/** Runs a command-line tool such as promtool and returns its exit status and combined output. */
final class ExternalTool {

    /** Exit status and combined standard output and error of one run. */
    record Result(int exitCode, String output) {
    }

    private ExternalTool() {
    }

    /**
     * Skips the calling test with a message naming the Debian package when {@code executable} is
     * missing, so machines without it report a skip instead of a failure.
     */
    static Path requireInstalled(String executable, String debianPackage) {
        Path path = Path.of(executable);
        Assumptions.assumeTrue(Files.isExecutable(path), executable + " is not installed; install the Debian package '"
                + debianPackage + "' (CI does) to run this check");
        return path;
    }

    /** Runs a command in {@code workingDir}, killing it after {@code timeoutSeconds}. */
    static Result run(Path workingDir, long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .directory(workingDir.toFile())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " timed out after " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
