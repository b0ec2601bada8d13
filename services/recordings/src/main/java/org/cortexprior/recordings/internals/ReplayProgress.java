package org.cortexprior.recordings.internals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.cortexprior.kafka.KafkaSettings;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How far each session's replay got, kept on a compacted topic keyed by session id and written in
 * the same transaction as the records it describes, so it is committed exactly when they are. Values
 * are small JSON documents such as {@code {"trialsPerBatch":500,"batchCount":3,"lastCommittedBatch":2}}.
 * Not thread-safe.
 */
public final class ReplayProgress implements AutoCloseable {

    /** Compacted topic of replay progress, one partition. */
    public static final String TOPIC = "cortexprior.replay-progress";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    private final KafkaConsumer<String, byte[]> consumer;

    /**
     * Progress of one session.
     *
     * @param trialsPerBatch batch size the replay used, reused on resume so batch indexes repeat
     * @param batchCount batches the session has at that size
     * @param lastCommittedBatch index of the last committed batch; -1 when only the announcement and
     *     stimuli are committed
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record State(int trialsPerBatch, long batchCount, long lastCommittedBatch) {

        public boolean complete() {
            return lastCommittedBatch >= batchCount - 1;
        }
    }

    public ReplayProgress(KafkaSettings kafka) {
        this.consumer = new KafkaConsumer<>(kafka.consumer(null));
    }

    /** Creates the progress topic when missing. */
    public static void ensureTopic(Admin admin) {
        try {
            Set<String> names = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            if (!names.contains(TOPIC)) {
                NewTopic topic = new NewTopic(TOPIC, 1, (short) 1)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                admin.createTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Failed to create topic " + TOPIC + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out after 60 s creating topic " + TOPIC + "; is the broker reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + TOPIC, e);
        }
    }

    /** Reads the latest committed progress of a session, or null when it was never replayed. */
    public State read(String sessionId) {
        consumer.assign(List.of(PARTITION));
        consumer.seekToBeginning(List.of(PARTITION));
        long end = consumer.endOffsets(List.of(PARTITION), Duration.ofSeconds(60)).get(PARTITION);
        State latest = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (consumer.position(PARTITION, Duration.ofSeconds(60)) < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out reading " + TOPIC + " up to offset " + end);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                if (sessionId.equals(record.key())) {
                    latest = record.value() == null ? null : decode(record.value());
                }
            }
        }
        return latest;
    }

    /** Sends a session's progress with {@code producer}, inside its open transaction. */
    public void write(Producer<String, byte[]> producer, String sessionId, State state) {
        try {
            producer.send(new ProducerRecord<>(TOPIC, sessionId, JSON.writeValueAsBytes(state)));
        } catch (IOException e) {
            throw new IllegalStateException("Failed to encode replay progress " + state, e);
        }
    }

    private static State decode(byte[] value) {
        try {
            return JSON.readValue(value, State.class);
        } catch (IOException e) {
            throw new IllegalStateException("Invalid replay progress on " + TOPIC + ": "
                    + new String(value, StandardCharsets.UTF_8), e);
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
