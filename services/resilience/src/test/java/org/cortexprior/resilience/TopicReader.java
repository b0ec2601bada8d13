package org.cortexprior.resilience;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.serde.AvroSerde;

/**
 * Reads one topic with a read_committed consumer, from the beginning or from a marked position.
 * Each call reads up to the last stable offset at the time of the call, and the next call continues
 * from there. Not thread-safe.
 */
final class TopicReader implements AutoCloseable {

    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final Map<String, byte[]> latest = new LinkedHashMap<>();

    TopicReader(KafkaSettings kafka, String topic) {
        this.topic = topic;
        this.consumer = new KafkaConsumer<>(kafka.consumer(null));
        this.partitions = consumer.partitionsFor(topic, Duration.ofSeconds(60)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        if (partitions.isEmpty()) {
            throw new IllegalStateException("Topic " + topic + " not found on " + kafka.bootstrapServers()
                    + "; create it before reading");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Returns the committed records after the previous call's end, in partition order. */
    List<ConsumerRecord<String, byte[]>> readNew() {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(60));
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out after 120 s reading " + partitions + " up to " + ends);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (record.offset() < ends.get(partition)) {
                    records.add(record);
                    latest.put(record.key(), record.value());
                } else {
                    // Beyond this call's end offset: read it again next call.
                    consumer.seek(partition, record.offset());
                }
            }
        }
        return records;
    }

    /** Reads new records and returns the latest value per key seen since the last {@link #skipToEnd()}. */
    <T extends SpecificRecordBase> Map<String, T> latest(AvroSerde<T> serde) {
        readNew();
        Map<String, T> decoded = new LinkedHashMap<>();
        latest.forEach((key, value) -> decoded.put(key, value == null ? null : serde.decode(topic, value)));
        return decoded;
    }

    /** Moves past everything committed so far and drops it, so later calls return only newer records. */
    void skipToEnd() {
        readNew();
        latest.clear();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(10));
    }
}
