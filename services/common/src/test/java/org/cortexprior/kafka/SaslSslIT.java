package org.cortexprior.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.cortexprior.runtime.ServiceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the local broker with a SASL_SSL listener (PLAIN mechanism, a self-signed certificate for
 * 127.0.0.1 made with the JDK's keytool) and checks that TLS and SASL settings given as
 * {@code kafka.*} configuration keys reach the producer, consumer and admin client, and that the
 * passwords never appear in the logs, even with Kafka's own logging at INFO.
 */
class SaslSslIT {

    private static final String STORE_PASSWORD = "store-Pa55-7f3a";
    private static final String ALICE_PASSWORD = "alice-Pa55-91c2";

    @TempDir
    static Path dir;

    private static LocalBroker broker;
    private static Path truststore;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        Path keystore = dir.resolve("broker.p12");
        truststore = dir.resolve("truststore.p12");
        Path certificate = dir.resolve("broker.crt");
        keytool("-genkeypair", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD,
                "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost");
        keytool("-exportcert", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD,
                "-alias", "broker", "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-keystore", truststore.toString(), "-storetype", "PKCS12",
                "-storepass", STORE_PASSWORD, "-alias", "broker", "-file", certificate.toString());

        int port = LocalBroker.freePort();
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"admin\" password=\"admin-" + STORE_PASSWORD + "\" "
                + "user_admin=\"admin-" + STORE_PASSWORD + "\" user_alice=\"" + ALICE_PASSWORD + "\";";
        LocalBroker.Builder builder = LocalBroker.builder().dataDir(dir.resolve("broker")).port(port).heap("512m")
                .property("listeners", "SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + LocalBroker.freePort())
                .property("advertised.listeners", "SASL_SSL://127.0.0.1:" + port)
                .property("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT")
                .property("inter.broker.listener.name", "SASL_SSL")
                .property("sasl.enabled.mechanisms", "PLAIN")
                .property("sasl.mechanism.inter.broker.protocol", "PLAIN")
                .property("listener.name.sasl_ssl.plain.sasl.jaas.config", jaas)
                .property("ssl.keystore.location", keystore.toString())
                .property("ssl.keystore.type", "PKCS12")
                .property("ssl.keystore.password", STORE_PASSWORD)
                .property("ssl.key.password", STORE_PASSWORD)
                .property("ssl.truststore.location", truststore.toString())
                .property("ssl.truststore.type", "PKCS12")
                .property("ssl.truststore.password", STORE_PASSWORD);
        clientSettings("alice", ALICE_PASSWORD).forEach((k, v) -> builder.property("client." + k, v));
        broker = builder.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Map<String, String> clientSettings(String user, String password) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("security.protocol", "SASL_SSL");
        settings.put("sasl.mechanism", "PLAIN");
        settings.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + user + "\" password=\"" + password + "\";");
        settings.put("ssl.truststore.location", truststore.toString());
        settings.put("ssl.truststore.type", "PKCS12");
        settings.put("ssl.truststore.password", STORE_PASSWORD);
        return settings;
    }

    /** Builds client settings the way a service does: from kafka.* configuration keys. */
    private static KafkaSettings settingsFromConfig(String user, String password) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put(ServiceConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
        clientSettings(user, password).forEach((k, v) -> flags.put(KafkaSettings.PASS_THROUGH_PREFIX + k, v));
        return ServiceConfig.of(flags).kafka();
    }

    @Test
    void clientsAuthenticateWithPassThroughSettings() throws Exception {
        StringWriter logs = new StringWriter();
        List<String> values = new ArrayList<>();
        KafkaSettings settings = settingsFromConfig("alice", ALICE_PASSWORD);

        try (LogCapture ignored = LogCapture.start(logs)) {
            try (Admin admin = Admin.create(settings.admin())) {
                Topics.ensure(admin, 1, (short) 1);
            }
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("sasl-test"))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(Topics.TRAINING_EVENTS, "k", "over-tls".getBytes()));
                producer.commitTransaction();
            }
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer(null))) {
                TopicPartition partition = new TopicPartition(Topics.TRAINING_EVENTS, 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                long deadline = System.currentTimeMillis() + 20_000;
                while (values.isEmpty() && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        values.add(new String(record.value()));
                    }
                }
            }
            org.slf4j.LoggerFactory.getLogger(SaslSslIT.class).info("Kafka settings in use: {}", settings);
        }

        assertEquals(List.of("over-tls"), values);
        String captured = logs.toString();
        assertTrue(captured.contains("Kafka settings in use"), "log capture works");
        assertFalse(captured.contains(ALICE_PASSWORD), "SASL password leaked into the logs");
        assertFalse(captured.contains(STORE_PASSWORD), "trust store password leaked into the logs");
    }

    @Test
    void wrongPasswordIsRejected() {
        KafkaSettings settings = settingsFromConfig("alice", "not-" + ALICE_PASSWORD);

        try (Admin admin = Admin.create(settings.admin())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.listTopics().names().get(20, TimeUnit.SECONDS));

            assertTrue(e.getCause().getClass().getSimpleName().contains("Authentication"), e.getCause().toString());
        }
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keytool timed out");
        assertEquals(0, process.exitValue(), "keytool failed: " + output);
        assertTrue(Files.exists(Path.of(args[2])) || !args[0].equals("-genkeypair"), "keystore written");
    }

    /** Adds a log4j appender that copies every log line, with Kafka's loggers at INFO, into a writer. */
    private static final class LogCapture implements AutoCloseable {
        private final LoggerContext context;
        private final WriterAppender appender;
        private final Level previousKafkaLevel;

        private LogCapture(LoggerContext context, WriterAppender appender, Level previousKafkaLevel) {
            this.context = context;
            this.appender = appender;
            this.previousKafkaLevel = previousKafkaLevel;
        }

        static LogCapture start(StringWriter target) {
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            Configuration config = context.getConfiguration();
            WriterAppender appender = WriterAppender.newBuilder().setName("capture").setTarget(target)
                    .setLayout(PatternLayout.newBuilder().withPattern("%c %m%n").build()).build();
            appender.start();
            config.addAppender(appender);
            config.getRootLogger().addAppender(appender, Level.ALL, null);
            LoggerConfig kafka = config.getLoggerConfig("org.apache.kafka");
            Level previous = kafka.getLevel();
            kafka.setLevel(Level.INFO);
            context.updateLoggers();
            return new LogCapture(context, appender, previous);
        }

        @Override
        public void close() {
            Configuration config = context.getConfiguration();
            config.getRootLogger().removeAppender("capture");
            config.getLoggerConfig("org.apache.kafka").setLevel(previousKafkaLevel);
            context.updateLoggers();
            appender.stop();
        }
    }
}
