package org.cortexprior.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.LocalBroker;
import org.cortexprior.kafka.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Kafka broker integration tests run against: one per test JVM, started on first use and
 * stopped when the JVM exits.
 *
 * <p>The system property {@code cortexprior.test.broker} chooses it: {@code local} runs
 * {@link LocalBroker} (KRaft, 127.0.0.1); {@code testcontainers} runs Apache Kafka's image through
 * Testcontainers; {@code auto} (the default) uses Testcontainers when a Docker engine responds and
 * the local broker otherwise. The same tests thus run in both set-ups. The system property
 * {@code cortexprior.test.bootstrap.servers} points the tests at an existing cluster instead.
 *
 * <p>Tests that need a broker of their own (to stop or restart it) start a {@link LocalBroker}
 * directly. Thread-safe.
 */
public final class TestBroker {

    private static final Logger log = LoggerFactory.getLogger(TestBroker.class);

    private static String bootstrapServers;

    private TestBroker() {
    }

    /** Returns the shared broker's bootstrap servers, starting it on the first call. */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers != null) {
            return bootstrapServers;
        }
        String existing = System.getProperty("cortexprior.test.bootstrap.servers");
        if (existing != null && !existing.isBlank()) {
            bootstrapServers = existing;
        } else {
            String mode = System.getProperty("cortexprior.test.broker", "auto");
            boolean docker = !mode.equals("local") && dockerAvailable();
            if (mode.equals("testcontainers") && !docker) {
                throw new IllegalStateException("cortexprior.test.broker=testcontainers but no Docker engine responds");
            }
            bootstrapServers = docker ? startContainer() : startLocal();
        }
        try (Admin admin = Admin.create(KafkaSettings.of(bootstrapServers).admin())) {
            Topics.ensure(admin, 2, (short) 1);
        }
        return bootstrapServers;
    }

    /** Returns a unique name for test-specific topics, groups and transactional ids. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | Error e) {
            // Testcontainers fails in several ways without an engine, some of them Errors
            // (ServiceConfigurationError when an optional library is missing); all mean no Docker.
            log.info("No Docker engine for Testcontainers ({}); using the local broker", e.toString());
            return false;
        }
    }

    private static String startLocal() {
        Path dir;
        try {
            dir = Files.createTempDirectory("cortexprior-test-broker-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalBroker broker = LocalBroker.builder().dataDir(dir).heap("512m").start();
        // Each test JVM gets a new broker. Without this hook its log directory, hundreds of MB after
        // the replay tests, would stay behind in the temporary folder.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.kill();
            deleteRecursively(dir);
        }, "test-broker-cleanup"));
        log.info("Integration tests use the local broker on {} (no Docker engine, or cortexprior.test.broker=local)",
                broker.bootstrapServers());
        return broker.bootstrapServers();
    }

    @SuppressWarnings("resource")
    private static String startContainer() {
        KafkaContainer container = new KafkaContainer("apache/kafka:4.1.0");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-kafka-container-stop"));
        log.info("Integration tests use Testcontainers' Kafka on {}", container.getBootstrapServers());
        return container.getBootstrapServers();
    }

    private static void deleteRecursively(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Best effort at exit: a leftover folder only costs disk space.
        }
    }
}
