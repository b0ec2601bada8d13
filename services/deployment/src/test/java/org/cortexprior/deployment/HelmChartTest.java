package org.cortexprior.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

/**
 * Lints the Helm chart under helm/cortexprior and renders it with Helm itself, which helm-java
 * carries as a native library. The checks cover the rendered workload kinds, persistent state, GPU
 * scheduling, the optional Prometheus Operator resources and dashboards, the pod security
 * settings, and the values schema.
 */
class HelmChartTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static Path chart;

    @BeforeAll
    static void locateChart() {
        chart = ProjectFiles.require("helm/cortexprior");
    }

    @Test
    void chartPassesStrictLint() {
        LintResult result = new Helm(chart).lint().strict().call();

        assertFalse(result.isFailed(), "helm lint --strict failed: " + result.getMessages());
    }

    @Test
    void defaultsRenderPredictorAsStatefulSet() throws IOException {
        List<JsonNode> manifests = render(command -> command);

        JsonNode predictor = find(manifests, "StatefulSet", "cortexprior-predictor");
        JsonNode spec = predictor.path("spec");
        assertEquals(1, spec.path("replicas").asInt());
        JsonNode claim = spec.path("volumeClaimTemplates").get(0);
        assertEquals("state", claim.path("metadata").path("name").asText());
        assertEquals("20Gi", claim.path("spec").path("resources").path("requests").path("storage").asText());

        JsonNode container = spec.path("template").path("spec").path("containers").get(0);
        assertEquals("predict", container.path("args").get(0).asText(), "predictor command");
        assertTrue(mountPaths(container).contains("/var/lib/cortexprior/state"), "state stores on the volume claim");
        assertEquals("/var/lib/cortexprior/state", env(container, "CORTEXPRIOR_STATE_DIR"));

        String properties = find(manifests, "ConfigMap", "cortexprior-config").path("data").path("cortexprior.properties").asText();
        assertTrue(properties.contains("streams.num.standby.replicas=0\n"), properties);
    }

    @Test
    void defaultsRenderTrainerWithGpu() throws IOException {
        List<JsonNode> manifests = render(command -> command);

        JsonNode trainer = find(manifests, "Deployment", "cortexprior-trainer");
        JsonNode pod = trainer.path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        assertEquals("train", container.path("args").get(0).asText());
        assertEquals(1, container.path("resources").path("limits").path("nvidia.com/gpu").asInt(), "GPU limit");
        assertEquals(1, container.path("resources").path("requests").path("nvidia.com/gpu").asInt(), "GPU request");
        assertEquals("cu128", env(container, "PYTORCH_FLAVOR"));
        assertEquals("nvidia.com/gpu", pod.path("tolerations").get(0).path("key").asText());
        assertEquals("Recreate", trainer.path("spec").path("strategy").path("type").asText());
        find(manifests, "PersistentVolumeClaim", "cortexprior-trainer");
    }

    @Test
    void defaultsRenderNoJobsOrMonitors() throws IOException {
        List<JsonNode> manifests = render(command -> command);

        List<String> kinds = manifests.stream().map(m -> m.path("kind").asText()).toList();
        assertFalse(kinds.contains("Job"), "kinds rendered: " + kinds);
        assertFalse(kinds.contains("ServiceMonitor"), "kinds rendered: " + kinds);
        assertFalse(kinds.contains("PodMonitor"), "kinds rendered: " + kinds);
    }

    @Test
    void overridesRenderJobsAndMonitors() throws IOException {
        List<JsonNode> manifests = render(command -> command
                .set("predictor.standbyReplicas", 2)
                .set("predictor.command", "predictor-service")
                .set("replay.enabled", true)
                .set("replay.recordingsClaim", "recordings")
                .set("replay.args[0]", "--recordings=/data/v4")
                .set("evaluator.enabled", true)
                .set("metrics.podMonitor.enabled", true)
                .set("metrics.serviceMonitor.enabled", true)
                .set("trainer.nodeSelector.accelerator", "h100")
                .set("trainer.gpu.count", 2));

        String properties = find(manifests, "ConfigMap", "cortexprior-config").path("data").path("cortexprior.properties").asText();
        assertTrue(properties.contains("streams.num.standby.replicas=2\n"), properties);
        JsonNode predictor = find(manifests, "StatefulSet", "cortexprior-predictor");
        assertEquals("predictor-service", predictor.path("spec").path("template").path("spec").path("containers").get(0).path("args").get(0).asText());

        JsonNode replay = find(manifests, "Job", "cortexprior-replay-1");
        JsonNode replayContainer = replay.path("spec").path("template").path("spec").path("containers").get(0);
        assertEquals("replay", replayContainer.path("args").get(0).asText());
        assertEquals("--recordings=/data/v4", replayContainer.path("args").get(3).asText());
        assertTrue(mountPaths(replayContainer).contains("/data"), "recordings mounted");
        assertTrue(replayContainer.path("env").toString().contains("\"JDK_JAVA_OPTIONS\""), "replay JVM options");
        JsonNode evaluateContainer = find(manifests, "Job", "cortexprior-evaluate-1")
                .path("spec").path("template").path("spec").path("containers").get(0);
        assertFalse(evaluateContainer.path("env").toString().contains("JDK_JAVA_OPTIONS"), "evaluate keeps the default JIT");

        JsonNode podMonitor = find(manifests, "PodMonitor", "cortexprior");
        JsonNode endpoint = podMonitor.path("spec").path("podMetricsEndpoints").get(0);
        assertEquals("metrics", endpoint.path("port").asText());
        assertEquals("component", endpoint.path("relabelings").get(0).path("targetLabel").asText(),
                "the alert rules select services by the component label");
        find(manifests, "ServiceMonitor", "cortexprior");

        JsonNode trainerPod = find(manifests, "Deployment", "cortexprior-trainer").path("spec").path("template").path("spec");
        assertEquals("h100", trainerPod.path("nodeSelector").path("accelerator").asText());
        assertEquals(2, trainerPod.path("containers").get(0).path("resources").path("limits").path("nvidia.com/gpu").asInt());
    }

    @Test
    void alertRulesAndDashboardsRender() throws IOException {
        List<JsonNode> manifests = render(command -> command
                .set("metrics.prometheusRule.enabled", true)
                .set("metrics.grafanaDashboards.enabled", true));

        JsonNode rules = find(manifests, "PrometheusRule", "cortexprior").path("spec").path("groups").get(0).path("rules");
        List<String> alerts = new ArrayList<>();
        rules.forEach(rule -> alerts.add(rule.path("alert").asText()));
        assertTrue(alerts.contains("CortexpriorDeadLettersArriving"), "alerts: " + alerts);
        assertTrue(rules.get(0).path("annotations").path("summary").asText().contains("{{ $labels.service }}"),
                "Helm must leave the rules' own templates alone");

        JsonNode dashboards = find(manifests, "ConfigMap", "cortexprior-dashboards");
        assertEquals("1", dashboards.path("metadata").path("labels").path("grafana_dashboard").asText());
        List<Path> sources = DashboardQueries.dashboardFiles();
        assertEquals(sources.size(), dashboards.path("data").size(), "dashboards in the ConfigMap");
        for (Path source : sources) {
            String name = source.getFileName().toString();
            JsonNode rendered = new ObjectMapper().readTree(dashboards.path("data").path(name).asText());
            assertEquals(new ObjectMapper().readTree(source.toFile()), rendered, name + " in the ConfigMap");
        }
    }

    @Test
    void chartCopiesMatchSources() throws IOException {
        // The chart can read only its own files, so it carries copies; they must not drift.
        assertEquals(Files.readString(ProjectFiles.require("deploy/prometheus/rules/cortexprior-alerts.yml")),
                Files.readString(chart.resolve("files/cortexprior-alerts.yml")),
                "helm/cortexprior/files/cortexprior-alerts.yml differs from deploy/prometheus/rules: copy it again");

        List<Path> sources = DashboardQueries.dashboardFiles();
        try (Stream<Path> copies = Files.list(chart.resolve("files/dashboards"))) {
            assertEquals(sources.stream().map(p -> p.getFileName().toString()).toList(),
                    copies.map(p -> p.getFileName().toString()).sorted().toList(), "dashboard copies in the chart");
        }
        for (Path source : sources) {
            assertEquals(Files.readString(source), Files.readString(chart.resolve("files/dashboards").resolve(source.getFileName())),
                    "helm/cortexprior/files/dashboards/" + source.getFileName() + " differs from grafana/dashboards: copy it again");
        }
    }

    @Test
    void everyPodRunsNonRootReadOnly() throws IOException {
        List<JsonNode> manifests = render(command -> command.set("replay.enabled", true).set("evaluator.enabled", true));

        int pods = 0;
        for (JsonNode manifest : manifests) {
            JsonNode pod = podSpec(manifest);
            if (pod.isMissingNode()) {
                continue;
            }
            pods++;
            String name = manifest.path("kind").asText() + "/" + manifest.path("metadata").path("name").asText();
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), name + " runAsNonRoot");
            assertTrue(pod.path("securityContext").path("runAsUser").asInt() > 0, name + " runAsUser");
            for (JsonNode container : pod.path("containers")) {
                JsonNode security = container.path("securityContext");
                assertTrue(security.path("readOnlyRootFilesystem").asBoolean(), name + " readOnlyRootFilesystem");
                assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), name + " allowPrivilegeEscalation");
                assertTrue(mountPaths(container).contains("/tmp"), name + " has a writable /tmp");
            }
        }
        assertEquals(4, pods, "workloads with pods: predictor, trainer, replay and evaluate");
    }

    @Test
    void schemaRejectsWritableRootFilesystem() {
        RuntimeException error = assertThrows(RuntimeException.class,
                () -> render(command -> command.set("securityContext.readOnlyRootFilesystem", false)));

        assertTrue(error.getMessage().contains("readOnlyRootFilesystem"), error.getMessage());
    }

    @Test
    void schemaRejectsInvalidValues() {
        assertRejected("predictor.replicas", 0, "replicas");
        assertRejected("kafka.bootstrapServers", "no-port", "bootstrapServers");
        assertRejected("predictor.standbyReplicas", -1, "standbyReplicas");
        assertRejected("trainer.gpu.count", 0, "count");
        assertRejected("unknownKey", "x", "unknownKey");
    }

    private static void assertRejected(String key, Object value, String expectedInMessage) {
        RuntimeException error = assertThrows(RuntimeException.class, () -> render(command -> command.set(key, value)),
                key + "=" + value + " was accepted");
        assertTrue(error.getMessage().contains(expectedInMessage), key + "=" + value + " rejected for another reason: " + error.getMessage());
    }

    private static List<JsonNode> render(UnaryOperator<TemplateCommand> options) throws IOException {
        TemplateCommand command = options.apply(new Helm(chart).template().withName("cortexprior").withNamespace("science"));
        String rendered = command.call();

        List<JsonNode> manifests = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(rendered)) {
            for (JsonNode node : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    manifests.add(node);
                }
            }
        }
        return manifests;
    }

    private static JsonNode find(List<JsonNode> manifests, String kind, String name) {
        return manifests.stream()
                .filter(m -> kind.equals(m.path("kind").asText()) && name.equals(m.path("metadata").path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(kind + " " + name + " not rendered; rendered: "
                        + manifests.stream().map(m -> m.path("kind").asText() + "/" + m.path("metadata").path("name").asText()).toList()));
    }

    private static JsonNode podSpec(JsonNode manifest) {
        return switch (manifest.path("kind").asText()) {
            case "StatefulSet", "Deployment", "Job" -> manifest.path("spec").path("template").path("spec");
            default -> MissingNode.getInstance();
        };
    }

    private static List<String> mountPaths(JsonNode container) {
        List<String> paths = new ArrayList<>();
        container.path("volumeMounts").forEach(mount -> paths.add(mount.path("mountPath").asText()));
        return paths;
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode variable : container.path("env")) {
            if (name.equals(variable.path("name").asText())) {
                return variable.path("value").asText();
            }
        }
        throw new AssertionError("environment variable " + name + " not set; env: " + container.path("env"));
    }
}
