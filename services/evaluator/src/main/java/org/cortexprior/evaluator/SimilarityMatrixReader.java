package org.cortexprior.evaluator;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
import org.cortexprior.serde.RecordDecodingException;

/**
 * Reads the similarity matrices currently on the similarity topic, for reports: every tile up to
 * the topic's end (read_committed), the latest version of each, mirrored into the lower triangle.
 *
 * <p>Holds every matrix in memory as float32 (a 1,200-image matrix is 5.8 MB). Records that cannot
 * be decoded are skipped here; the services that consume the topic route them to the dead-letter
 * topic. Not thread-safe.
 */
public final class SimilarityMatrixReader {

    private final Map<String, TreeMap<String, SimilarityTile>> tilesByMatrix = new HashMap<>();
    private final Map<String, ImageSet> imageSets = new HashMap<>();

    private SimilarityMatrixReader() {
    }

    /** Reads both topics to their current end. */
    public static SimilarityMatrixReader read(KafkaSettings kafka, Duration timeout) {
        SimilarityMatrixReader reader = new SimilarityMatrixReader();
        AvroSerde<SimilarityTile> tiles = CortexSerdes.similarityTile();
        AvroSerde<ImageSet> sets = CortexSerdes.imageSet();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumer(null))) {
            for (ConsumerRecord<String, byte[]> record : readToEnd(consumer, Topics.SIMILARITY, timeout)) {
                try {
                    SimilarityTile tile = tiles.decode(record.topic(), record.value());
                    reader.tilesByMatrix.computeIfAbsent(tile.getMatrixId(), k -> new TreeMap<>())
                            .merge(tile.getTileRow() + "/" + tile.getTileColumn(), tile,
                                    (old, fresh) -> fresh.getVersion() >= old.getVersion() ? fresh : old);
                } catch (RecordDecodingException | NullPointerException e) {
                    // Skipped: not a tile this reader can show.
                }
            }
            for (ConsumerRecord<String, byte[]> record : readToEnd(consumer, Topics.IMAGE_SETS, timeout)) {
                try {
                    ImageSet set = sets.decode(record.topic(), record.value());
                    reader.imageSets.put(set.getImageSetId(), set);
                } catch (RecordDecodingException | NullPointerException e) {
                    // Skipped, as above.
                }
            }
        }
        return reader;
    }

    private static List<ConsumerRecord<String, byte[]>> readToEnd(KafkaConsumer<String, byte[]> consumer, String topic,
                                                                  Duration timeout) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
        List<TopicPartition> assigned = partitions == null ? List.of()
                : partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        Map<TopicPartition, Long> end = consumer.endOffsets(assigned, timeout);
        List<ConsumerRecord<String, byte[]>> records = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && assigned.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    /** Returns the ids of the matrices found, sorted. */
    public List<String> matrixIds() {
        return tilesByMatrix.keySet().stream().sorted().collect(Collectors.toList());
    }

    /** Returns the image ids of a matrix's rows, or an empty list when its image set was not found. */
    public List<String> imageIds(String matrixId) {
        TreeMap<String, SimilarityTile> tiles = tilesByMatrix.get(matrixId);
        if (tiles == null || tiles.isEmpty()) {
            return List.of();
        }
        ImageSet set = imageSets.get(tiles.firstEntry().getValue().getImageSetId());
        return set == null ? List.of() : List.copyOf(set.getImageIds());
    }

    /**
     * Assembles one matrix, or returns null when no tile of it was found. Entries with no tile, or
     * NaN where no neuron covers an image, stay NaN.
     */
    public ExperimentResults.SimilarityMatrix matrix(String matrixId, String description) {
        TreeMap<String, SimilarityTile> tiles = tilesByMatrix.get(matrixId);
        if (tiles == null || tiles.isEmpty()) {
            return null;
        }
        int size = tiles.firstEntry().getValue().getImageCount();
        float[] values = new float[size * size];
        java.util.Arrays.fill(values, Float.NaN);
        for (SimilarityTile tile : tiles.values()) {
            ByteBuffer buffer = tile.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int base = buffer.position();
            int rowStart = tile.getTileRow() * tile.getTileSize();
            int columnStart = tile.getTileColumn() * tile.getTileSize();
            for (int r = 0; r < tile.getRows(); r++) {
                for (int c = 0; c < tile.getColumns(); c++) {
                    float value = buffer.getFloat(base + (r * tile.getColumns() + c) * Float.BYTES);
                    int row = rowStart + r;
                    int column = columnStart + c;
                    values[row * size + column] = value;
                    values[column * size + row] = value;
                }
            }
        }
        return new ExperimentResults.SimilarityMatrix(size, values, description);
    }
}
