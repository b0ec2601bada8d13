package org.cortexprior.runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * What every service process shares: its configuration, a Prometheus meter registry served over
 * HTTP with a health endpoint, JVM metrics, and an orderly shutdown on SIGTERM or SIGINT.
 *
 * <p>Every meter name gets the prefix {@code cortexprior.} (so {@code jvm.memory.used} is exported
 * as {@code cortexprior_jvm_memory_used_bytes}) and the tag {@code service}.
 *
 * <p>Resources registered with {@link #onShutdown(AutoCloseable)} are closed in reverse order
 * of registration, either by {@link #close()} or by the JVM shutdown hook, whichever comes first.
 * Thread-safe.
 */
public final class ServiceRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceRuntime.class);

    /** Prefix of every exported meter name. */
    public static final String METRIC_PREFIX = "cortexprior.";

    private final String service;
    private final ServiceConfig config;
    private final PrometheusMeterRegistry registry;
    private final MetricsServer metricsServer;
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread shutdownHook;
    private boolean closed;

    private ServiceRuntime(String service, ServiceConfig config) {
        this.service = service;
        this.config = config;
        LogContext.setService(service);
        org.cortexprior.serde.CortexSerdes.configure(config);
        this.registry = newRegistry(service);

        int port = config.getInt(ServiceConfig.METRICS_PORT, 0);
        String host = config.getString(ServiceConfig.METRICS_HOST, "127.0.0.1");
        this.metricsServer = port < 0 ? null : MetricsServer.start(host, port, registry);
        if (metricsServer != null) {
            metricsServer.addHealthCheck("running", () -> !isClosed());
            log.info("Service {} serving metrics at {}/metrics and health at {}/health",
                    service, metricsServer.url(), metricsServer.url());
        }

        this.shutdownHook = new Thread(() -> {
            LogContext.setService(service);
            log.info("Shutdown signal received; stopping {}", service);
            close();
        }, service + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts the runtime of a service: metrics endpoint, JVM meters and shutdown hook. */
    public static ServiceRuntime start(String service, ServiceConfig config) {
        return new ServiceRuntime(service, config);
    }

    /**
     * Creates a registry with the project's naming rules: the {@code cortexprior.} prefix, the
     * {@code service} tag, and the JVM and process meters.
     */
    public static PrometheusMeterRegistry newRegistry(String service) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith(METRIC_PREFIX) ? id : id.withName(METRIC_PREFIX + id.getName());
            }
        });
        registry.config().commonTags("service", service);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    public String service() {
        return service;
    }

    public ServiceConfig config() {
        return config;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Returns the metrics server, or null when it is disabled ({@code metrics.port=-1}). */
    public MetricsServer metricsServer() {
        return metricsServer;
    }

    /** Registers a resource to close at shutdown; closed in reverse registration order. */
    public synchronized <T extends AutoCloseable> T onShutdown(T resource) {
        closeables.push(resource);
        return resource;
    }

    /** Blocks until the runtime is closed (for example by SIGTERM). */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /** Blocks until the runtime is closed or the timeout passes; returns whether it closed. */
    public boolean awaitShutdown(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        while (true) {
            AutoCloseable next;
            synchronized (this) {
                next = closeables.poll();
            }
            if (next == null) {
                break;
            }
            try {
                next.close();
            } catch (Exception e) {
                log.warn("Failed to close {} during shutdown of {}: {}", next, service, e.toString());
            }
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        registry.close();
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // The JVM is already shutting down.
            }
        }
        log.info("Service {} stopped", service);
        stopped.countDown();
    }
}
