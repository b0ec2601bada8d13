package org.cortexprior.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs deploy/docker/DjlWarmup.java the way the image build does. The first run must unpack
 * libtorch and DJL's JNI library into ENGINE_CACHE_DIR. A second run stands for a container with a
 * read-only root filesystem, so it must load the engine from there without writing to it.
 *
 * <p>Uses this module's test class path, which carries the same DJL jars as the CLI. Unpacks about
 * 430 MB into a temporary folder and takes a few seconds.
 */
class DjlWarmupIT {

    @Test
    void secondStartWritesNothingToEngineCache(@TempDir Path dir) throws Exception {
        Path engineCache = dir.resolve("djl-engine");
        Path script = ProjectFiles.require("deploy/docker/DjlWarmup.java");

        ExternalTool.Result first = warmUp(script, engineCache, dir.resolve("cache-1"));
        assertEquals(0, first.exitCode(), "first warm-up failed:\n" + first.output());
        assertTrue(first.output().contains("Loaded DJL engine PyTorch"), first.output());
        Map<String, Long> unpacked = listing(engineCache);
        assertTrue(unpacked.keySet().stream().anyMatch(name -> name.endsWith("libtorch_cpu.so")), "unpacked: " + unpacked.keySet());
        assertTrue(unpacked.keySet().stream().anyMatch(name -> name.endsWith("libdjl_torch.so")), "unpacked: " + unpacked.keySet());

        ExternalTool.Result second = warmUp(script, engineCache, dir.resolve("cache-2"));
        assertEquals(0, second.exitCode(), "second warm-up failed:\n" + second.output());
        assertEquals(unpacked, listing(engineCache), "the second start changed ENGINE_CACHE_DIR");
    }

    private static ExternalTool.Result warmUp(Path script, Path engineCache, Path djlCache) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                script.toString()))
                .redirectErrorStream(true);
        builder.environment().put("ENGINE_CACHE_DIR", engineCache.toString());
        builder.environment().put("DJL_CACHE_DIR", djlCache.toString());
        builder.environment().put("DJL_OFFLINE", "true");
        builder.environment().put("OPT_OUT_TRACKING", "true");
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("DjlWarmup timed out after 120 s");
        }
        return new ExternalTool.Result(process.exitValue(), new String(output));
    }

    /** Returns every file below {@code root} with its last-modified time in milliseconds. */
    private static Map<String, Long> listing(Path root) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                files.put(root.relativize(path).toString(), Files.getLastModifiedTime(path).toMillis());
            }
        }
        return files;
    }
}
