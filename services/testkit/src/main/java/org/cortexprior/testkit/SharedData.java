package org.cortexprior.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * Locates the real recordings and images that tests may read from a {@code shared/} folder beside
 * the project checkout. Tests that need them call {@link #require(String)}, which skips the test
 * with a message saying what is missing when the folder is absent (as in a user's checkout).
 */
public final class SharedData {

    private SharedData() {
    }

    /** Returns the {@code shared} folder: the system property {@code cortexprior.shared.dir}, or {@code ../shared}. */
    public static Path root() {
        String dir = System.getProperty("cortexprior.shared.dir");
        if (dir != null) {
            return Path.of(dir).toAbsolutePath().normalize();
        }
        return Path.of("..", "shared").toAbsolutePath().normalize();
    }

    /** Returns {@code root()/data/relative}, skipping the calling test when it does not exist. */
    public static Path require(String relative) {
        Path path = root().resolve("data").resolve(relative);
        Assumptions.assumeTrue(Files.exists(path),
                "Skipped: real data " + path + " is absent; place the shared data folder beside the checkout to run this test");
        return path;
    }

    /** Returns the project root (the folder with the top-level pom.xml). */
    public static Path projectRoot() {
        String dir = System.getProperty("cortexprior.project.dir");
        return dir != null ? Path.of(dir).toAbsolutePath().normalize() : Path.of("").toAbsolutePath();
    }
}
