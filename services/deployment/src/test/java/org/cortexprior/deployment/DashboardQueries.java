package org.cortexprior.deployment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * PromQL queries of the Grafana dashboards under grafana/dashboards and of the alert rules under
 * deploy/prometheus/rules, with the metric names each one reads.
 */
final class DashboardQueries {

    /** One query and where it comes from, for example {@code cortexprior-jvm.json: panel "Heap used"}. */
    record Query(String source, String expr) {

        /** Returns every {@code cortexprior_*} metric name in the expression. */
        Set<String> metricNames() {
            Set<String> names = new TreeSet<>();
            Matcher matcher = METRIC_NAME.matcher(expr);
            while (matcher.find()) {
                names.add(matcher.group());
            }
            return names;
        }

        /**
         * Returns the expression with Grafana's variables replaced by values Prometheus accepts, so
         * a real server can parse it.
         */
        String withGrafanaVariablesReplaced() {
            return expr.replace("$__rate_interval", "1m")
                    .replace("$__interval", "15s")
                    .replace("$__range", "1h")
                    .replace("$service", ".*");
        }
    }

    private static final Pattern METRIC_NAME = Pattern.compile("\\bcortexprior_[A-Za-z0-9_]+");
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.+),\\s*[A-Za-z_][A-Za-z0-9_]*\\)$");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private DashboardQueries() {
    }

    /** Returns every dashboard JSON file; fails when there is none. */
    static List<Path> dashboardFiles() throws IOException {
        try (Stream<Path> files = Files.list(ProjectFiles.require("grafana/dashboards"))) {
            List<Path> dashboards = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            if (dashboards.isEmpty()) {
                throw new IllegalStateException("No dashboards in grafana/dashboards");
            }
            return dashboards;
        }
    }

    /** Returns the panel queries and the template-variable queries of every dashboard. */
    static List<Query> dashboards() throws IOException {
        List<Query> queries = new ArrayList<>();
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            String name = file.getFileName().toString();
            collectPanels(name, dashboard.path("panels"), queries);
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                if (!"query".equals(variable.path("type").asText())) {
                    continue;
                }
                JsonNode query = variable.path("query");
                String text = query.isTextual() ? query.asText() : query.path("query").asText();
                Matcher labelValues = LABEL_VALUES.matcher(text.trim());
                String expr = labelValues.matches() ? labelValues.group(1) : text;
                queries.add(new Query(name + ": variable \"" + variable.path("name").asText() + "\"", expr));
            }
        }
        return queries;
    }

    private static void collectPanels(String dashboard, JsonNode panels, List<Query> queries) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                queries.add(new Query(dashboard + ": panel \"" + panel.path("title").asText() + "\"", expr));
            }
            // Collapsed rows keep their panels inside the row.
            collectPanels(dashboard, panel.path("panels"), queries);
        }
    }

    /** Returns the expressions of every alerting and recording rule. */
    static List<Query> alertRules() throws IOException {
        List<Query> queries = new ArrayList<>();
        try (Stream<Path> files = Files.list(ProjectFiles.require("deploy/prometheus/rules"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
                for (JsonNode group : YAML.readTree(file.toFile()).path("groups")) {
                    for (JsonNode rule : group.path("rules")) {
                        String name = rule.has("alert") ? rule.path("alert").asText() : rule.path("record").asText();
                        queries.add(new Query(file.getFileName() + ": rule " + name, rule.path("expr").asText()));
                    }
                }
            }
        }
        return queries;
    }
}
