package org.cortexprior.kafka;

import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Client settings shared by every Kafka client a service creates: the bootstrap servers plus any
 * pass-through client settings (security protocol, SASL, TLS trust and key stores, timeouts).
 *
 * <p>Pass-through settings come from configuration keys with the prefix {@code kafka.}, for
 * example {@code kafka.security.protocol=SASL_SSL} or the environment variable
 * {@code CORTEXPRIOR_KAFKA_SASL_MECHANISM=PLAIN}; the prefix is stripped and the rest is handed
 * unchanged to producers, consumers, admin clients and Kafka Streams. Values are never logged:
 * {@link #toString()} masks anything that looks like a secret.
 *
 * <p>Immutable and thread-safe.
 */
public final class KafkaSettings {

    /** Configuration key prefix whose entries pass through to every Kafka client. */
    public static final String PASS_THROUGH_PREFIX = "kafka.";

    private final String bootstrapServers;
    private final Map<String, String> clientOverrides;

    public KafkaSettings(String bootstrapServers, Map<String, String> clientOverrides) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers must be given as HOST:PORT[,HOST:PORT...]");
        }
        this.bootstrapServers = bootstrapServers;
        this.clientOverrides = Map.copyOf(new TreeMap<>(clientOverrides));
    }

    /** Creates settings with no pass-through client settings. */
    public static KafkaSettings of(String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, Map.of());
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Returns the pass-through settings, without the {@code kafka.} prefix. */
    public Map<String, String> clientOverrides() {
        return clientOverrides;
    }

    /** Returns admin-client properties. */
    public Properties admin() {
        Properties props = base();
        return props;
    }

    /**
     * Returns properties for an idempotent producer with byte-array values and string keys; pass a
     * transactional id to make it transactional, or null.
     */
    public Properties producer(String transactionalId) {
        Properties props = base();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES));
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        applyOverrides(props);
        return props;
    }

    /** Returns properties for a read_committed consumer with string keys and byte-array values. */
    public Properties consumer(String groupId) {
        Properties props = base();
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES));
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        }
        applyOverrides(props);
        return props;
    }

    /**
     * Returns the pass-through settings as Kafka Streams expects them; Streams hands unprefixed
     * client settings to all of its internal clients.
     */
    public Properties streams() {
        Properties props = base();
        return props;
    }

    private Properties base() {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        applyOverrides(props);
        return props;
    }

    private void applyOverrides(Properties props) {
        props.putAll(clientOverrides);
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        clientOverrides.forEach((k, v) -> shown.put(k, isSecret(k) ? "[hidden]" : v));
        return "KafkaSettings{bootstrap.servers=" + bootstrapServers + ", overrides=" + shown + "}";
    }

    /** Returns whether a configuration key names a credential whose value must not be logged. */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.contains("credential") || k.endsWith(".key");
    }
}
