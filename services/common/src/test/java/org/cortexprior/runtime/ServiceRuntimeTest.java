package org.cortexprior.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ServiceRuntimeTest {

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesPrefixedMetricsAndHealth() throws Exception {
        try (ServiceRuntime runtime = ServiceRuntime.start("test-service", ServiceConfig.of(Map.of()))) {
            runtime.registry().counter("replay.trials").increment(3);
            String base = runtime.metricsServer().url();

            HttpResponse<String> metrics = get(base + "/metrics");
            HttpResponse<String> health = get(base + "/health");

            assertEquals("127.0.0.1", runtime.metricsServer().host());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("cortexprior_replay_trials_total{service=\"test-service\"} 3.0"),
                    metrics.body());
            assertTrue(metrics.body().contains("cortexprior_jvm_memory_used_bytes"), "JVM meters exported");
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
        }
    }

    @Test
    void failingHealthCheckReturns503() throws Exception {
        try (ServiceRuntime runtime = ServiceRuntime.start("test-service", ServiceConfig.of(Map.of()))) {
            runtime.metricsServer().addHealthCheck("broker", () -> false);

            HttpResponse<String> health = get(runtime.metricsServer().url() + "/health");

            assertEquals(503, health.statusCode());
            assertTrue(health.body().contains("\"broker\":\"DOWN\""), health.body());
        }
    }

    @Test
    void takenPortIsClearError() {
        try (ServiceRuntime first = ServiceRuntime.start("a", ServiceConfig.of(Map.of()))) {
            int port = first.metricsServer().port();

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ServiceRuntime.start("b", ServiceConfig.of(Map.of("metrics.port", Integer.toString(port)))));

            assertTrue(e.getMessage().contains("already in use"), e.getMessage());
        }
    }

    @Test
    void closeRunsShutdownActionsInReverse() {
        StringBuilder order = new StringBuilder();
        ServiceRuntime runtime = ServiceRuntime.start("c", ServiceConfig.of(Map.of("metrics.port", "-1")));
        runtime.onShutdown(() -> order.append("first"));
        runtime.onShutdown(() -> order.append("second,"));

        runtime.close();

        assertEquals("second,first", order.toString());
        assertTrue(runtime.isClosed());
    }
}
