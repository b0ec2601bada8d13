package org.cortexprior.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {

    @TempDir
    Path dir;

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault() throws IOException {
        Path file = dir.resolve("service.properties");
        Files.writeString(file, "a=file\nb=file\nc=file\n");
        Map<String, String> env = Map.of("CORTEXPRIOR_A", "env", "CORTEXPRIOR_B", "env",
                "CORTEXPRIOR_CONFIG", file.toString(), "HOME", "/root");

        ServiceConfig config = ServiceConfig.load(Map.of("a", "flag"), env,
                Map.of("a", "default", "b", "default", "c", "default", "d", "default"));

        assertEquals("flag", config.require("a"));
        assertEquals("env", config.require("b"));
        assertEquals("file", config.require("c"));
        assertEquals("default", config.require("d"));
        assertEquals("file " + file, config.sourceOf("c"));
    }

    @Test
    void environmentNamesMapToDottedKeys() {
        ServiceConfig config = ServiceConfig.load(Map.of(),
                Map.of("CORTEXPRIOR_KAFKA_SASL_MECHANISM", "PLAIN", "CORTEXPRIOR_METRICS_PORT", "9404"), Map.of());

        assertEquals(9404, config.getInt("metrics.port", 0));
        assertEquals(Map.of("sasl.mechanism", "PLAIN"), config.withPrefix("kafka."));
        assertEquals("CORTEXPRIOR_METRICS_PORT", ServiceConfig.envName("metrics.port"));
    }

    @Test
    void invalidNumberNamesKey() {
        ServiceConfig config = ServiceConfig.of(Map.of("metrics.port", "ninety"));

        ServiceConfig.ConfigException e = assertThrows(ServiceConfig.ConfigException.class,
                () -> config.getInt("metrics.port", 0));

        assertTrue(e.getMessage().contains("metrics.port"), e.getMessage());
        assertTrue(e.getMessage().contains("ninety"), e.getMessage());
    }

    @Test
    void missingFileIsConfigError() {
        ServiceConfig.ConfigException e = assertThrows(ServiceConfig.ConfigException.class,
                () -> ServiceConfig.load(Map.of("config", dir.resolve("absent.properties").toString()), Map.of(), Map.of()));

        assertTrue(e.getMessage().contains("absent.properties"), e.getMessage());
    }

    @Test
    void secretsAreMaskedInDescription() {
        ServiceConfig config = ServiceConfig.of(Map.of("kafka.sasl.jaas.config", "user=\"a\" password=\"hunter2\"",
                "kafka.ssl.truststore.password", "hunter3", "bootstrap.servers", "127.0.0.1:9092"));

        String described = config.describe() + config.kafka();

        assertFalse(described.contains("hunter2"), described);
        assertFalse(described.contains("hunter3"), described);
        assertTrue(described.contains("127.0.0.1:9092"), described);
    }
}
