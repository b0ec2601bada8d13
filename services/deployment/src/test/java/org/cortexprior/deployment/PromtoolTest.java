package org.cortexprior.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks deploy/prometheus with promtool from Debian's prometheus package: the configuration, the
 * alert rules, and the rules' unit tests under deploy/prometheus/tests.
 */
class PromtoolTest {

    private static Path promtool;
    private static Path prometheusDir;

    @BeforeAll
    static void locate() {
        promtool = ExternalTool.requireInstalled("/usr/bin/promtool", "prometheus");
        prometheusDir = ProjectFiles.require("deploy/prometheus");
    }

    @Test
    void configurationIsValid() throws Exception {
        ExternalTool.Result result = ExternalTool.run(prometheusDir, 60,
                List.of(promtool.toString(), "check", "config", "prometheus.yml"));

        assertEquals(0, result.exitCode(), "promtool check config failed:\n" + result.output());
        assertTrue(result.output().contains("rule files found"), "the configuration loads no rule files:\n" + result.output());
    }

    @Test
    void alertRulesAreValid() throws Exception {
        List<String> command = new ArrayList<>(List.of(promtool.toString(), "check", "rules"));
        command.addAll(files(prometheusDir.resolve("rules")));

        ExternalTool.Result result = ExternalTool.run(prometheusDir, 60, command);

        assertEquals(0, result.exitCode(), "promtool check rules failed:\n" + result.output());
    }

    @Test
    void alertRuleUnitTestsPass() throws Exception {
        List<String> command = new ArrayList<>(List.of(promtool.toString(), "test", "rules"));
        command.addAll(files(prometheusDir.resolve("tests")));

        ExternalTool.Result result = ExternalTool.run(prometheusDir, 120, command);

        assertEquals(0, result.exitCode(), "promtool test rules failed:\n" + result.output());
        assertTrue(result.output().contains("SUCCESS"), result.output());
    }

    @Test
    void brokenRuleIsRejected(@TempDir Path dir) throws Exception {
        // Guards the checks above: a rule with a PromQL syntax error must make promtool fail.
        Path broken = dir.resolve("broken.yml");
        Files.writeString(broken, """
                groups:
                  - name: broken
                    rules:
                      - alert: Broken
                        expr: sum by (service (cortexprior_dead_letters_total)
                """);

        ExternalTool.Result result = ExternalTool.run(dir, 60,
                List.of(promtool.toString(), "check", "rules", broken.toString()));

        assertNotEquals(0, result.exitCode(), "promtool accepted a rule with a syntax error:\n" + result.output());
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            List<String> names = entries.filter(p -> p.toString().endsWith(".yml"))
                    .map(p -> prometheusDir.relativize(p).toString())
                    .sorted()
                    .toList();
            assertTrue(!names.isEmpty(), "no .yml files in " + dir);
            return names;
        }
    }
}
