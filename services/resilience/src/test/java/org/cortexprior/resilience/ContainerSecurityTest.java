package org.cortexprior.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Reads the container definitions as files, without Docker or Helm: every Dockerfile under
 * {@code deploy/} must end as a non-root user, and every container in the Helm chart's templates
 * must get the chart's container security context, whose values keep the root filesystem
 * read-only and the user non-root.
 */
class ContainerSecurityTest {

    private static Path projectDir() {
        Path dir = Path.of(System.getProperty("cortexprior.project.dir", "../..")).toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(dir.resolve("deploy")), "project directory " + dir + " has no deploy/ folder");
        return dir;
    }

    @Test
    void dockerfilesEndAsNonRootUser() throws IOException {
        List<Path> dockerfiles;
        try (Stream<Path> files = Files.walk(projectDir().resolve("deploy"))) {
            dockerfiles = files.filter(file -> file.getFileName().toString().startsWith("Dockerfile"))
                    .filter(file -> !file.getFileName().toString().endsWith(".dockerignore")).sorted().toList();
        }
        assertFalse(dockerfiles.isEmpty(), "no Dockerfile under deploy/");

        for (Path file : dockerfiles) {
            List<String> finalStage = finalStage(instructions(file));
            String user = null;
            int userIndex = -1;
            for (int i = 0; i < finalStage.size(); i++) {
                if (keyword(finalStage.get(i)).equals("USER")) {
                    user = finalStage.get(i).substring(4).trim();
                    userIndex = i;
                }
            }
            assertTrue(user != null, file + ": the final stage sets no USER, so the container runs as root");
            String name = user.split(":")[0];
            assertFalse(name.equals("0") || name.equals("root"), file + ": final USER is " + user);
            assertTrue(name.matches("[1-9][0-9]*"),
                    file + ": final USER " + user + " should be a numeric id, which Kubernetes' runAsNonRoot can verify");
            int entrypoint = indexOf(finalStage, "ENTRYPOINT");
            assertTrue(entrypoint > userIndex, file + ": ENTRYPOINT comes before USER " + user);
            assertTrue(finalStage.stream().anyMatch(line -> keyword(line).equals("VOLUME") && line.contains("\"/tmp\"")),
                    file + ": /tmp is not a volume, so a read-only root filesystem leaves the JVM no temporary directory");
        }
    }

    @Test
    void helmContainersGetSecurityContext() throws IOException {
        Path templates = projectDir().resolve("helm/cortexprior/templates");
        int containers = 0;
        try (Stream<Path> files = Files.list(templates)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    String trimmed = lines.get(i).trim();
                    if (!trimmed.equals("containers:") && !trimmed.equals("initContainers:")) {
                        continue;
                    }
                    assertTrue(lines.subList(Math.max(0, i - 5), i).stream().anyMatch(l -> l.contains("cortexprior.podSpecCommon")),
                            file.getFileName() + " line " + (i + 1) + ": pod spec without the shared pod security context");
                    for (List<String> container : containerItems(lines, i)) {
                        containers++;
                        String text = String.join("\n", container);
                        String name = file.getFileName() + ": container " + container.get(0).trim();
                        assertTrue(text.contains("securityContext:"), name + " has no securityContext");
                        assertTrue(text.contains(".Values.securityContext"), name + " does not use .Values.securityContext");
                    }
                }
            }
        }
        assertTrue(containers >= 3, "found " + containers + " containers in the chart's templates");

        JsonNode values = new ObjectMapper(new YAMLFactory()).readTree(
                projectDir().resolve("helm/cortexprior/values.yaml").toFile());
        JsonNode container = values.path("securityContext");
        JsonNode pod = values.path("podSecurityContext");
        assertTrue(container.path("readOnlyRootFilesystem").asBoolean(false), "securityContext.readOnlyRootFilesystem");
        assertFalse(container.path("allowPrivilegeEscalation").asBoolean(true), "securityContext.allowPrivilegeEscalation");
        assertTrue(pod.path("runAsNonRoot").asBoolean(false), "podSecurityContext.runAsNonRoot");
        assertTrue(pod.path("runAsUser").asInt(0) > 0, "podSecurityContext.runAsUser is " + pod.path("runAsUser"));
        assertEquals("ALL", container.path("capabilities").path("drop").path(0).asText(), "capabilities dropped");
    }

    /** Returns the Dockerfile's instructions, continuation lines joined and comments dropped. */
    private static List<String> instructions(Path file) throws IOException {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String trimmed = line.trim();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            result.add(current.toString());
            current.setLength(0);
        }
        return result;
    }

    private static List<String> finalStage(List<String> instructions) {
        int from = -1;
        for (int i = 0; i < instructions.size(); i++) {
            if (keyword(instructions.get(i)).equals("FROM")) {
                from = i;
            }
        }
        assertTrue(from >= 0, "no FROM instruction");
        return instructions.subList(from, instructions.size());
    }

    private static String keyword(String instruction) {
        return instruction.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
    }

    private static int indexOf(List<String> instructions, String keyword) {
        for (int i = 0; i < instructions.size(); i++) {
            if (keyword(instructions.get(i)).equals(keyword)) {
                return i;
            }
        }
        return -1;
    }

    /** Splits the list under a {@code containers:} line into one list of lines per {@code - name:} item. */
    private static List<List<String>> containerItems(List<String> lines, int header) {
        int indent = indentation(lines.get(header));
        List<List<String>> items = new ArrayList<>();
        for (int i = header + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            if (indentation(line) <= indent && !line.trim().startsWith("{{")) {
                break;
            }
            if (line.trim().startsWith("- name:") && indentation(line) == indent + 2) {
                items.add(new ArrayList<>());
            }
            if (!items.isEmpty()) {
                items.get(items.size() - 1).add(line);
            }
        }
        assertFalse(items.isEmpty(), "no container under line " + (header + 1));
        return items;
    }

    private static int indentation(String line) {
        int count = 0;
        while (count < line.length() && line.charAt(count) == ' ') {
            count++;
        }
        return count;
    }
}
