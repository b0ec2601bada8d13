package org.cortexprior.deployment;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real Prometheus server (Debian's /usr/bin/prometheus) on 127.0.0.1 with a configuration
 * written by the test, queried through its HTTP API. Its data lives in the given directory.
 */
final class PrometheusServer implements AutoCloseable {

    static final String EXECUTABLE = "/usr/bin/prometheus";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /** Starts Prometheus with {@code config} (YAML) and waits up to 60 s until it reports ready. */
    static PrometheusServer start(Path dir, String config) throws IOException, InterruptedException {
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        Path log = dir.resolve("prometheus.log");
        int port = freePort();
        Process process = new ProcessBuilder(List.of(EXECUTABLE,
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn"))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        PrometheusServer server = new PrometheusServer(process, log, port);
        server.awaitReady(Duration.ofSeconds(60));
        return server;
    }

    /** Returns a TCP port that was free on 127.0.0.1 when checked; another process may take it first. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Prometheus exited with status " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> response = get("/-/ready");
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYetListening) {
                // Prometheus has not opened its port yet.
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Prometheus not ready after " + timeout.toSeconds() + " s:\n" + log());
    }

    /** Runs an instant PromQL query and returns the {@code data.result} array. */
    JsonNode query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("Query " + promql + " failed with HTTP " + response.statusCode() + ": " + response.body());
        }
        return body.path("data").path("result");
    }

    /**
     * Repeats {@code promql} until its result satisfies {@code condition} and returns that result;
     * fails with the last result, the scrape targets' state and the server log after {@code timeout}.
     */
    JsonNode awaitQuery(String promql, Predicate<JsonNode> condition, Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode result = query(promql);
        while (!condition.test(result)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("Query " + promql + " did not reach the expected result within "
                        + timeout.toSeconds() + " s; last result " + result + "\ntargets: " + get("/api/v1/targets").body()
                        + "\nlog:\n" + log());
            }
            Thread.sleep(500);
            result = query(promql);
        }
        return result;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
