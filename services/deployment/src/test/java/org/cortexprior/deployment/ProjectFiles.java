package org.cortexprior.deployment;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates files of the repository that the deployment checks read. */
final class ProjectFiles {

    private ProjectFiles() {
    }

    /**
     * Returns the repository root: the {@code cortexprior.project.dir} system property that the
     * Maven test configuration sets, or the nearest parent of the working directory with {@code mvnw}.
     */
    static Path root() {
        String configured = System.getProperty("cortexprior.project.dir");
        if (configured != null && Files.isRegularFile(Path.of(configured, "mvnw"))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("services"))) {
                return dir;
            }
        }
        throw new IllegalStateException("Repository root not found from " + Path.of("").toAbsolutePath()
                + ": set -Dcortexprior.project.dir to the folder that contains mvnw");
    }

    /** Returns a path below the repository root, failing when it does not exist. */
    static Path require(String relative) {
        Path path = root().resolve(relative);
        if (!Files.exists(path)) {
            throw new IllegalStateException("Expected " + relative + " in the repository at " + path);
        }
        return path;
    }
}
