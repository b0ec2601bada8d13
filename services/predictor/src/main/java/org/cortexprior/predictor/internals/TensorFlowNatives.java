package org.cortexprior.predictor.internals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import ai.djl.util.Utils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares the TensorFlow native libraries for DJL's TensorFlow engine. DJL 0.36 finds no native
 * package for TensorFlow 2.16 on Maven Central, so the libraries come from TensorFlow Java's
 * {@code org.tensorflow:tensorflow-core-native:1.0.0:linux-x86_64} jar (TensorFlow 2.16.2): they
 * are copied once into DJL's engine cache directory, and the system property
 * {@code TENSORFLOW_LIBRARY_PATH}, which the engine reads like the environment variable of that
 * name, points to them. An environment variable or property already set is left alone.
 *
 * <p>Call {@link #prepare()} before the engine is first used. Thread-safe.
 */
public final class TensorFlowNatives {

    private static final Logger log = LoggerFactory.getLogger(TensorFlowNatives.class);

    /** The property and environment variable the DJL engine reads. */
    public static final String LIBRARY_PATH = "TENSORFLOW_LIBRARY_PATH";

    private static final String RESOURCE_DIR = "org/tensorflow/internal/c_api/linux-x86_64/";
    private static final List<String> LIBRARIES = List.of("libjnitensorflow.so", "libtensorflow_framework.so.2",
            "libtensorflow_cc.so.2");

    private TensorFlowNatives() {
    }

    /**
     * Makes the native libraries available to DJL's TensorFlow engine and returns their directory.
     *
     * @throws IllegalStateException when neither {@code TENSORFLOW_LIBRARY_PATH} is set nor the
     *     native jar is on the class path
     */
    public static synchronized Path prepare() {
        String configured = Utils.getEnvOrSystemProperty(LIBRARY_PATH);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path dir = Utils.getEngineCacheDir("tensorflow").resolve("tensorflow-core-native-1.0.0-linux-x86_64");
        try {
            Files.createDirectories(dir);
            for (String library : LIBRARIES) {
                copyIfChanged(RESOURCE_DIR + library, dir.resolve(library));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to copy the TensorFlow native libraries to " + dir, e);
        }
        System.setProperty(LIBRARY_PATH, dir.toString());
        return dir;
    }

    private static void copyIfChanged(String resource, Path target) throws IOException {
        var url = TensorFlowNatives.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("TensorFlow native library " + resource + " is not on the class path: add "
                    + "org.tensorflow:tensorflow-core-native:1.0.0:linux-x86_64, or set " + LIBRARY_PATH
                    + " to a directory with libjnitensorflow.so and the TensorFlow 2.16 libraries");
        }
        URLConnection connection = url.openConnection();
        long size = connection.getContentLengthLong();
        if (Files.exists(target) && Files.size(target) == size) {
            return;
        }
        log.info("Copying TensorFlow native library {} ({} MB) to {}", resource, size >> 20, target.getParent());
        // A unique partial file, because several JVMs may prepare the same cache at once.
        Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".partial");
        try (InputStream in = connection.getInputStream()) {
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
