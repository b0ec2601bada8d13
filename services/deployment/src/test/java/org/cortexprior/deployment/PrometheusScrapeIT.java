package org.cortexprior.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.runtime.KafkaMetricsBinding;
import org.cortexprior.runtime.ServiceConfig;
import org.cortexprior.runtime.ServiceRuntime;
import org.cortexprior.testkit.TestBroker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.Counter;

/**
 * A service's metrics endpoint scraped by a real Prometheus server: the test starts a
 * {@link ServiceRuntime} with a dead-letter counter and a Kafka consumer bound through
 * {@link KafkaMetricsBinding}, starts /usr/bin/prometheus on 127.0.0.1 with the project's alert
 * rules, and reads the metrics and the dead-letter alert back through Prometheus's HTTP API.
 *
 * <p>Skips when /usr/bin/prometheus is missing (Debian package {@code prometheus}). Takes about
 * 15 s, most of it waiting for scrapes and rule evaluations at 1 s intervals.
 */
class PrometheusScrapeIT {

    private static final String SERVICE = "scrape-check";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @BeforeAll
    static void requirePrometheus() {
        ExternalTool.requireInstalled(PrometheusServer.EXECUTABLE, "prometheus");
    }

    @Test
    void prometheusReadsServiceAndKafkaMetrics(@TempDir Path dir) throws Exception {
        String topic = TestBroker.uniqueName("scrape-check");
        KafkaSettings kafka = KafkaSettings.of(TestBroker.bootstrapServers());

        try (ServiceRuntime runtime = ServiceRuntime.start(SERVICE, ServiceConfig.of(Map.of(ServiceConfig.METRICS_PORT, "0")))) {
            Counter deadLetters = Counter.builder("dead.letters")
                    .tag("application", SERVICE)
                    .tag("reason", "deserialization")
                    .register(runtime.registry());
            deadLetters.increment(3);

            produce(kafka, topic, 20);
            KafkaConsumer<String, byte[]> consumer = runtime.onShutdown(new KafkaConsumer<>(kafka.consumer(TestBroker.uniqueName("scrape-check"))));
            runtime.onShutdown(KafkaMetricsBinding.bind(runtime.registry(), consumer, Duration.ofSeconds(1)));
            consumer.subscribe(List.of(topic));
            int consumed = consumeAtLeast(consumer, 20);

            String config = """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files:
                      - %s
                    scrape_configs:
                      - job_name: cortexprior-scrape-check
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                    """.formatted(ProjectFiles.require("deploy/prometheus/rules/cortexprior-alerts.yml"),
                    runtime.metricsServer().port());

            try (PrometheusServer prometheus = PrometheusServer.start(dir, config)) {
                JsonNode letters = prometheus.awaitQuery(
                        "cortexprior_dead_letters_total{service=\"" + SERVICE + "\",reason=\"deserialization\"}",
                        result -> result.size() == 1 && value(result.get(0)) == 3.0, WAIT);
                assertEquals(SERVICE, letters.get(0).path("metric").path("application").asText());

                JsonNode records = prometheus.awaitQuery(
                        "sum(cortexprior_kafka_consumer_fetch_manager_records_consumed_total{service=\"" + SERVICE
                                + "\",topic=\"" + topic + "\"})",
                        result -> result.size() == 1 && value(result.get(0)) >= 20, WAIT);
                assertEquals(consumed, value(records.get(0)), "records consumed, as Prometheus read it from the consumer's metrics");

                JsonNode up = prometheus.query("up{job=\"cortexprior-scrape-check\"}");
                assertEquals(1.0, value(up.get(0)), "scrape target health");

                // New dead letters after the first scrapes make increase() positive, so the
                // alert rule from deploy/prometheus turns pending (it fires after its 1m "for").
                deadLetters.increment(2);
                JsonNode alerts = prometheus.awaitQuery(
                        "ALERTS{alertname=\"CortexpriorDeadLettersArriving\",service=\"" + SERVICE + "\"}",
                        result -> result.size() == 1, WAIT);
                String state = alerts.get(0).path("metric").path("alertstate").asText();
                assertTrue(state.equals("pending") || state.equals("firing"), "alert state " + state);
            }
        }
    }

    private static double value(JsonNode sample) {
        return Double.parseDouble(sample.path("value").get(1).asText());
    }

    private static void produce(KafkaSettings kafka, String topic, int count) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer(null))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "key-" + i, new byte[] {(byte) i})).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static int consumeAtLeast(KafkaConsumer<String, byte[]> consumer, int expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int consumed = 0;
        while (consumed < expected && System.nanoTime() < deadline) {
            ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
            consumed += records.count();
        }
        assertEquals(expected, consumed, "records consumed from the test topic");
        return consumed;
    }
}
