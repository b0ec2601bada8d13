package org.cortexprior.resilience;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.LocalBroker;
import org.cortexprior.kafka.Topics;
import org.cortexprior.predictor.PredictorConfig;
import org.cortexprior.recordings.Recording;
import org.cortexprior.recordings.SessionReplayer;
import org.cortexprior.runtime.ServiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the predictor service in a child JVM against a broker that requires SASL (PLAIN over
 * SASL_PLAINTEXT on 127.0.0.1), with the credentials given as {@code kafka.*} configuration keys,
 * Kafka's client logging at INFO and cortexprior's at DEBUG. The service must authenticate with
 * every client it creates (admin, Streams, the fit worker's producer) and complete a matrix, and
 * its whole output must not contain the password.
 */
class ServiceLogSecretsIT {

    private static final String SERVICE_PASSWORD = "predictor-Pw-4c1e9b";
    private static final String ADMIN_PASSWORD = "broker-admin-Pw-77d2";

    @Test
    void predictorLogsHideSaslPassword(@TempDir Path dir) throws Exception {
        int port = LocalBroker.freePort();
        String brokerJaas = "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"admin\" password=\"" + ADMIN_PASSWORD + "\" "
                + "user_admin=\"" + ADMIN_PASSWORD + "\" user_predictor=\"" + SERVICE_PASSWORD + "\";";
        LocalBroker.Builder builder = LocalBroker.builder().dataDir(dir.resolve("broker")).port(port).heap("512m")
                .property("listeners", "SASL_PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + LocalBroker.freePort())
                .property("advertised.listeners", "SASL_PLAINTEXT://127.0.0.1:" + port)
                .property("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT")
                .property("inter.broker.listener.name", "SASL_PLAINTEXT")
                .property("sasl.enabled.mechanisms", "PLAIN")
                .property("sasl.mechanism.inter.broker.protocol", "PLAIN")
                .property("listener.name.sasl_plaintext.plain.sasl.jaas.config", brokerJaas);
        Map<String, String> client = clientSettings();
        client.forEach((key, value) -> builder.property("client." + key, value));

        SyntheticRecordings.Spec spec = new SyntheticRecordings.Spec("sasl-session", 9, 5, 3);
        Path folder = SyntheticRecordings.write(dir.resolve("recordings"), 5, 0.01, spec).get(0);

        try (LocalBroker broker = builder.start()) {
            KafkaSettings kafka = new KafkaSettings(broker.bootstrapServers(), client);
            try (Admin admin = Admin.create(kafka.admin())) {
                Topics.ensure(admin, 2, (short) 1);
            }
            try (Recording recording = Recording.open(folder);
                 SessionReplayer replayer = SessionReplayer.builder(kafka).partitions(2).build()) {
                replayer.replay(recording.sessions().get(0));
            }

            Map<String, String> values = new LinkedHashMap<>();
            values.put(ServiceConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            values.put(ServiceConfig.STATE_DIR, dir.resolve("state").toString());
            values.put(ServiceConfig.METRICS_PORT, "-1");
            values.put(PredictorConfig.APPLICATION_ID, "sasl-predictor");
            values.put(PredictorConfig.MODEL, "ridge");
            values.put(PredictorConfig.TILE_SIZE, "8");
            values.put(PredictorConfig.INPUT_SIZE, "16");
            values.put(PredictorProcess.EXPECTED_IMAGES, Integer.toString(spec.images()));
            client.forEach((key, value) -> values.put(KafkaSettings.PASS_THROUGH_PREFIX + key, value));
            Path config = PredictorProcess.writeConfig(dir.resolve("predictor.properties"), values);
            Path logging = Path.of(ServiceLogSecretsIT.class.getResource("/log4j2-kafka-info.xml").toURI());

            ChildJvm predictor = ChildJvm.start("predictor", PredictorProcess.class, dir.resolve("predictor.log"),
                    List.of("-Dlog4j2.configurationFile=" + logging), config.toString());
            try {
                predictor.awaitLine(0, PredictorProcess.COMPLETE::equals, Duration.ofSeconds(240));
                predictor.stop(Duration.ofSeconds(60));
            } finally {
                predictor.close();
            }

            String output = Files.readString(predictor.log());
            assertTrue(output.contains("sasl.jaas.config = [hidden]"),
                    "Kafka's client configuration was not logged, so the check would prove nothing");
            assertTrue(output.contains(KafkaSettings.PASS_THROUGH_PREFIX + "sasl.jaas.config = [hidden]"),
                    "the service's configuration listing does not show the masked JAAS key");
            assertFalse(output.contains(SERVICE_PASSWORD), "the SASL password appears in the service's output");
            assertFalse(output.contains(ADMIN_PASSWORD), "the broker's admin password appears in the service's output");
        }
    }

    private static Map<String, String> clientSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("security.protocol", "SASL_PLAINTEXT");
        settings.put("sasl.mechanism", "PLAIN");
        settings.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"predictor\" password=\"" + SERVICE_PASSWORD + "\";");
        return settings;
    }
}
