package org.cortexprior.runtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

/**
 * Exports the metrics of a Kafka producer, consumer, admin client or Kafka Streams instance
 * through a service's meter registry, so consumer lag, request rates and Streams task metrics reach
 * Prometheus beside the service's own meters.
 *
 * <p>Kafka's metric {@code group} and {@code name} become the meter name {@code kafka.GROUP.NAME}
 * (the {@code -metrics} suffix of the group dropped, dashes turned into dots), which
 * {@link ServiceRuntime}'s registry exports with its {@code cortexprior_} prefix. Examples:
 * {@code cortexprior_kafka_consumer_fetch_manager_records_lag_max} (largest lag of any partition the
 * consumer reads), {@code cortexprior_kafka_consumer_fetch_manager_records_consumed_total},
 * {@code cortexprior_kafka_producer_record_send_total}. Kafka's metric tags become labels:
 * {@code client_id}, {@code topic} and {@code partition} are bounded by the clients and partitions a
 * process has, and {@code kafka_version} is constant.
 *
 * <p>Kafka creates some metrics only later (per-partition lag once partitions are assigned), so the
 * binding looks for new ones every {@link #DEFAULT_REFRESH_INTERVAL} on a daemon thread of its own.
 *
 * <p>NOTE: Micrometer (1.17) may log "This Gauge has been already registered" (or
 * FunctionCounter) once per binding when it looks for new Kafka metrics. It ignores the repeated
 * registration and keeps the meter it has. The cause was not pinned down.
 *
 * <p>Call a {@code bind} method after creating the client, and close the returned binding before
 * the client: with {@link ServiceRuntime#onShutdown(AutoCloseable)}, register the client first and
 * the binding second, since resources close in reverse order. Thread-safe.
 */
public final class KafkaMetricsBinding implements AutoCloseable {

    /** How often a binding looks for Kafka metrics created since the last look. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(15);

    private final AutoCloseable binder;
    private final ScheduledExecutorService scheduler;

    private KafkaMetricsBinding(AutoCloseable binder, ScheduledExecutorService scheduler) {
        this.binder = binder;
        this.scheduler = scheduler;
    }

    /** Exports a producer's metrics. */
    public static KafkaMetricsBinding bind(MeterRegistry registry, Producer<?, ?> producer) {
        return bind(registry, producer, DEFAULT_REFRESH_INTERVAL);
    }

    /** Exports a producer's metrics, looking for new ones every {@code refreshInterval}. */
    public static KafkaMetricsBinding bind(MeterRegistry registry, Producer<?, ?> producer, Duration refreshInterval) {
        ScheduledExecutorService scheduler = newScheduler("producer");
        KafkaClientMetrics metrics = new KafkaClientMetrics(producer, List.<Tag>of(), scheduler, refreshInterval);
        return register(registry, metrics, scheduler);
    }

    /** Exports a consumer's metrics, consumer lag included. */
    public static KafkaMetricsBinding bind(MeterRegistry registry, Consumer<?, ?> consumer) {
        return bind(registry, consumer, DEFAULT_REFRESH_INTERVAL);
    }

    /** Exports a consumer's metrics, looking for new ones every {@code refreshInterval}. */
    public static KafkaMetricsBinding bind(MeterRegistry registry, Consumer<?, ?> consumer, Duration refreshInterval) {
        ScheduledExecutorService scheduler = newScheduler("consumer");
        KafkaClientMetrics metrics = new KafkaClientMetrics(consumer, List.<Tag>of(), scheduler, refreshInterval);
        return register(registry, metrics, scheduler);
    }

    /** Exports an admin client's metrics. */
    public static KafkaMetricsBinding bind(MeterRegistry registry, AdminClient admin) {
        ScheduledExecutorService scheduler = newScheduler("admin");
        KafkaClientMetrics metrics = new KafkaClientMetrics(admin, List.<Tag>of(), scheduler, DEFAULT_REFRESH_INTERVAL);
        return register(registry, metrics, scheduler);
    }

    /**
     * Exports a Kafka Streams instance's metrics: its threads, tasks, processor nodes and state
     * stores, and the metrics of the producers, consumers and admin client it runs inside.
     */
    public static KafkaMetricsBinding bind(MeterRegistry registry, KafkaStreams streams) {
        return bind(registry, streams, DEFAULT_REFRESH_INTERVAL);
    }

    /** Exports a Kafka Streams instance's metrics, looking for new ones every {@code refreshInterval}. */
    public static KafkaMetricsBinding bind(MeterRegistry registry, KafkaStreams streams, Duration refreshInterval) {
        ScheduledExecutorService scheduler = newScheduler("streams");
        KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams, List.<Tag>of(), scheduler, refreshInterval);
        return register(registry, metrics, scheduler);
    }

    private static KafkaMetricsBinding register(MeterRegistry registry, io.micrometer.core.instrument.binder.MeterBinder metrics,
                                                ScheduledExecutorService scheduler) {
        metrics.bindTo(registry);
        return new KafkaMetricsBinding((AutoCloseable) metrics, scheduler);
    }

    private static ScheduledExecutorService newScheduler(String client) {
        return Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "kafka-metrics-" + client);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Stops looking for new Kafka metrics and removes this client's meters from the registry. */
    @Override
    public void close() {
        try {
            binder.close();
        } catch (Exception e) {
            throw new IllegalStateException("Failed to unbind Kafka metrics: " + e.getMessage(), e);
        } finally {
            scheduler.shutdownNow();
        }
    }
}
