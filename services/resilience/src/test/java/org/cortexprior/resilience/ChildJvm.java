package org.cortexprior.resilience;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Java main class run in a child JVM with this test JVM's java executable and class path, its
 * standard output and error appended to one log file. Tests kill it with SIGKILL, as a crash
 * would, or stop it with SIGTERM, and read its output lines to follow its progress.
 *
 * <p>Not thread-safe: one test thread owns a child.
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final String name;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} with {@code args}; output goes to {@code log}, appended so that the
     * runs of one restarted service read as one history.
     */
    static ChildJvm start(String name, Class<?> mainClass, Path log, List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx768m");
        command.add("-XX:+UseSerialGC");
        command.add("-Djava.awt.headless=true");
        command.add("-Dai.djl.offline=true");
        command.addAll(jvmOptions);
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        // The class path travels in the environment: a command-line argument is limited to 128 KiB on Linux.
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("DJL_OFFLINE", "true");
        builder.environment().put("OPT_OUT_TRACKING", "true");
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Files.createDirectories(log.getParent());
            return new ChildJvm(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to start child JVM " + name + ": " + e.getMessage(), e);
        }
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Returns every line the child's runs wrote to the log so far. */
    List<String> lines() {
        try {
            return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until a line of the log that was not among the first {@code skipLines} matches, and
     * returns it.
     *
     * @throws IllegalStateException when the child exits or the timeout passes first, with the log's tail
     */
    String awaitLine(int skipLines, Predicate<String> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = lines();
            Optional<String> found = lines.stream().skip(skipLines).filter(match).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue()
                        + " before the expected output:\n" + tail(lines));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not write the expected output within "
                        + timeout.toSeconds() + " s:\n" + tail(lines));
            }
            Thread.sleep(50);
        }
    }

    /** Sends SIGKILL and waits for the process to end. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not end within 30 s of SIGKILL");
        }
    }

    /** Sends SIGTERM, waits up to {@code timeout} for a clean exit and returns the exit code. */
    int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException(name + " did not stop within " + timeout.toSeconds() + " s of SIGTERM:\n"
                    + tail(lines()));
        }
        return process.exitValue();
    }

    /** Waits for the child to exit on its own and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException(name + " did not finish within " + timeout.toSeconds() + " s:\n"
                    + tail(lines()));
        }
        return process.exitValue();
    }

    static String tail(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
