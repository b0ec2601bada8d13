package org.cortexprior.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks deploy/docker-compose.yml and the Dockerfiles without a Docker engine. The cortexprior
 * services must run as non-root on a read-only root filesystem and start the expected CLI commands.
 * Every Prometheus scrape target must be a service of the file, and every repository file it
 * mounts must exist.
 */
class ComposeFileTest {

    private static final Set<String> CORTEXPRIOR_SERVICES = Set.of("predictor", "trainer", "replay", "evaluator");

    private static Map<String, Object> services;
    private static Path deployDir;

    @BeforeAll
    static void load() throws IOException {
        deployDir = ProjectFiles.require("deploy");
        services = map(loadYaml(deployDir.resolve("docker-compose.yml")).get("services"));
    }

    @Test
    void servicesRunNonRootReadOnly() {
        for (String name : CORTEXPRIOR_SERVICES) {
            Map<String, Object> service = map(services.get(name));
            assertNotNull(service, "service " + name + " missing");
            assertEquals("10001:10001", service.get("user"), name + " user");
            assertEquals(Boolean.TRUE, service.get("read_only"), name + " read_only");
            assertTrue(String.valueOf(service.get("tmpfs")).contains("/tmp"), name + " has a writable /tmp");
            assertTrue(String.valueOf(service.get("cap_drop")).contains("ALL"), name + " drops capabilities");
            assertTrue(String.valueOf(service.get("volumes")).contains(":/var/lib/cortexprior/state"), name + " keeps state on a volume");
        }
    }

    @Test
    void serviceCommandsUseKnownCommands() {
        // The predictor's command is a variable with a default; the others are fixed names.
        Map<String, String> expected = Map.of("predictor", "${PREDICTOR_COMMAND:-predict}", "trainer", "train",
                "replay", "replay", "evaluator", "evaluate");
        for (Map.Entry<String, String> entry : expected.entrySet()) {
            List<?> command = (List<?>) map(services.get(entry.getKey())).get("command");
            assertEquals(entry.getValue(), command.get(0), entry.getKey() + " command");
            assertTrue(command.contains("--metrics-port=9404"), entry.getKey() + " serves metrics on 9404");
        }
    }

    @Test
    void scrapeTargetsAreComposeServices() throws IOException {
        Map<String, Object> config = loadYaml(deployDir.resolve("prometheus/prometheus.yml"));

        List<String> targets = new ArrayList<>();
        for (Object job : (List<?>) config.get("scrape_configs")) {
            for (Object staticConfig : (List<?>) map(job).get("static_configs")) {
                for (Object target : (List<?>) map(staticConfig).get("targets")) {
                    targets.add(target.toString());
                }
            }
        }
        assertTrue(targets.size() >= 4, "targets: " + targets);
        for (String target : targets) {
            String host = target.substring(0, target.indexOf(':'));
            assertTrue(host.equals("localhost") || services.containsKey(host), target + " is not a compose service");
        }
    }

    @Test
    void mountedRepositoryFilesExist() {
        List<String> checked = new ArrayList<>();
        for (Map.Entry<String, Object> service : services.entrySet()) {
            Object volumes = map(service.getValue()).get("volumes");
            if (volumes == null) {
                continue;
            }
            for (Object volume : (List<?>) volumes) {
                String source = volume.toString().split(":")[0];
                if (source.startsWith(".") && !source.contains("$")) {
                    assertTrue(Files.exists(deployDir.resolve(source).normalize()), service.getKey() + " mounts missing " + source);
                    checked.add(source);
                }
            }
        }
        assertTrue(checked.contains("./prometheus"), "checked: " + checked);
        assertTrue(checked.contains("../grafana/dashboards"), "checked: " + checked);
    }

    @Test
    void dockerfilesRunNonRoot() throws IOException {
        for (String file : List.of("docker/Dockerfile", "docker/Dockerfile.trainer-gpu")) {
            String dockerfile = Files.readString(deployDir.resolve(file));
            assertTrue(dockerfile.contains("\nUSER 10001:10001\n"), file + " switches to user 10001");
            assertTrue(dockerfile.contains("org.cortexprior.cli.launcher.Main"), file + " runs the CLI launcher");
            assertTrue(dockerfile.contains("OPT_OUT_TRACKING=true"), file + " disables DJL's usage tracking");
            assertFalse(dockerfile.contains("PYTORCH_VERSION"), file + " must not pin PYTORCH_VERSION, which forces a download");
        }
    }

    private static Map<String, Object> loadYaml(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            return new Yaml().load(reader);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
