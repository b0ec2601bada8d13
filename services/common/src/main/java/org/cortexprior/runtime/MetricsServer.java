package org.cortexprior.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * HTTP endpoint with {@code GET /metrics} (Prometheus text format) and {@code GET /health}
 * (JSON; status 200 when every registered check passes, 503 otherwise).
 *
 * <p>Binds to 127.0.0.1 unless told otherwise. Serves from one daemon thread. Health checks may
 * be added from any thread.
 */
public final class MetricsServer implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, Supplier<Boolean>> healthChecks = new ConcurrentHashMap<>();

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Starts the server.
     *
     * @param host interface to bind, normally 127.0.0.1
     * @param port port to bind; 0 picks a free one
     * @throws IllegalStateException when the port is taken
     */
    public static MetricsServer start(String host, int port, PrometheusMeterRegistry registry) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (BindException e) {
            throw new IllegalStateException("Cannot serve metrics on " + host + ":" + port
                    + ": the port is already in use. Choose another with --set metrics.port=PORT (0 picks a free one).", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot serve metrics on " + host + ":" + port, e);
        }
        MetricsServer metrics = new MetricsServer(server);
        server.createContext("/metrics", exchange -> {
            String body = registry.scrape();
            respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", body);
        });
        server.createContext("/health", metrics::serveHealth);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return metrics;
    }

    /** Adds a named check; {@code /health} reports DOWN while any check returns false or throws. */
    public void addHealthCheck(String name, Supplier<Boolean> check) {
        healthChecks.put(name, check);
    }

    /** Returns the bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Returns the bound host. */
    public String host() {
        return server.getAddress().getHostString();
    }

    /** Returns the base URL, for example {@code http://127.0.0.1:9404}. */
    public String url() {
        return "http://" + host() + ":" + port();
    }

    private void serveHealth(HttpExchange exchange) throws IOException {
        Map<String, String> results = new TreeMap<>();
        boolean up = true;
        for (Map.Entry<String, Supplier<Boolean>> check : healthChecks.entrySet()) {
            boolean ok;
            try {
                ok = Boolean.TRUE.equals(check.getValue().get());
            } catch (RuntimeException e) {
                ok = false;
            }
            results.put(check.getKey(), ok ? "UP" : "DOWN");
            up &= ok;
        }
        StringBuilder json = new StringBuilder("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"checks\":{");
        String sep = "";
        for (Map.Entry<String, String> r : results.entrySet()) {
            json.append(sep).append('"').append(r.getKey()).append("\":\"").append(r.getValue()).append('"');
            sep = ",";
        }
        json.append("}}");
        respond(exchange, up ? 200 : 503, "application/json", json.toString());
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
