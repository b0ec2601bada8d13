package org.cortexprior.predictor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.CortexSerdes;

/**
 * Reads the committed similarity and image-set topics from the beginning and keeps the latest tile
 * per key (highest version) and the latest union image set. Not thread-safe.
 */
final class TileWatcher implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, SimilarityTile> latest = new HashMap<>();
    private List<String> union = List.of();

    TileWatcher(String bootstrapServers) {
        consumer = new KafkaConsumer<>(KafkaSettings.of(bootstrapServers).consumer(null));
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.SIMILARITY, Topics.IMAGE_SETS)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls once and returns the sum of the latest tile versions, which grows with every tile update. */
    int poll() {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(300));
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.topic().equals(Topics.IMAGE_SETS)) {
                ImageSet set = CortexSerdes.imageSet().deserialize(record.topic(), record.value());
                if (set.getImageSetId().equals("union") && set.getImageIds().size() >= union.size()) {
                    union = List.copyOf(set.getImageIds());
                }
                continue;
            }
            SimilarityTile tile = CortexSerdes.similarityTile().deserialize(record.topic(), record.value());
            SimilarityTile previous = latest.get(record.key());
            if (previous == null || tile.getVersion() > previous.getVersion()) {
                latest.put(record.key(), tile);
            }
        }
        return latest.values().stream().mapToInt(t -> (int) t.getVersion()).sum();
    }

    /** Polls until three polls in a row return nothing; returns what {@link #poll()} returns. */
    int pollUntilIdle() {
        int idle = 0;
        int versions = poll();
        while (idle < 3) {
            int next = poll();
            idle = next == versions ? idle + 1 : 0;
            versions = next;
        }
        return versions;
    }

    Map<String, SimilarityTile> latest() {
        return latest;
    }

    List<String> union() {
        return union;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
