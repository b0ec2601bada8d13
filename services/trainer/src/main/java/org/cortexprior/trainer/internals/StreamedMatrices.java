package org.cortexprior.trainer.internals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.kafka.DeadLetters;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.CortexSerdes;
import org.cortexprior.serde.RecordDecodingException;
import org.cortexprior.trainer.SimilarityTarget;
import org.cortexprior.trainer.TrainerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Similarity matrices kept up to date from the similarity topic, with their image sets and stimulus
 * images from the image-sets and stimuli topics.
 *
 * <p>A background thread reads all three topics from the beginning with {@code read_committed}
 * (every partition assigned, no consumer group, so each run sees the whole compacted state) and
 * queues decoded records. The training thread applies the queue in {@link #refresh()} between
 * steps, so a step never sees a half-applied update. Tiles of matrices not in
 * {@link TrainerConfig#matrixIds()} are ignored; tiles that arrive before their image set wait for
 * it. Records that cannot be decoded or do not fit their matrix go to the dead-letter topic with
 * the reason.
 */
public final class StreamedMatrices extends MatrixSet {

    private static final Logger log = LoggerFactory.getLogger(StreamedMatrices.class);
    private static final String APPLICATION = "trainer";

    private final TrainerConfig config;
    private final ConcurrentLinkedQueue<Object> pending = new ConcurrentLinkedQueue<>();
    private final Map<String, ImageSet> imageSets = new HashMap<>();
    private final Map<String, SimilarityMatrix> sources = new LinkedHashMap<>();
    private final List<SimilarityTile> waiting = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong rejected = new AtomicLong();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Producer<String, byte[]> deadLetters;
    private final Thread thread;

    private StreamedMatrices(TrainerConfig config, int resolution) {
        super(new StimulusSet(resolution), config.minCoverage());
        this.config = config;
        KafkaSettings kafka = config.kafka();
        this.consumer = new KafkaConsumer<>(kafka.consumer(null));
        this.deadLetters = new KafkaProducer<>(kafka.producer(null));
        this.thread = new Thread(this::consume, "trainer-similarity-consumer");
        this.thread.setDaemon(true);
    }

    /**
     * Starts consuming and waits until at least one matrix reaches the minimum coverage with its
     * images present, or the configured timeout passes.
     *
     * @throws IllegalStateException when no matrix becomes usable in time
     */
    public static StreamedMatrices start(TrainerConfig config, int resolution) {
        StreamedMatrices matrices = new StreamedMatrices(config, resolution);
        matrices.thread.start();
        long deadline = System.nanoTime() + config.matrixWaitTimeout().toNanos();
        log.info("[trainer run={}] Waiting for matrices {} to reach coverage {} on {}", config.runId(),
                config.matrixIds(), config.minCoverage(), Topics.SIMILARITY);
        while (true) {
            matrices.refresh();
            if (!matrices.eligible().isEmpty() && matrices.draw(new java.util.Random(0), 1) != null) {
                return matrices;
            }
            if (System.nanoTime() > deadline) {
                Map<String, Double> coverage = matrices.coverage();
                matrices.close();
                throw new IllegalStateException("No similarity matrix among " + config.matrixIds() + " reached coverage "
                        + config.minCoverage() + " with its stimulus images within " + config.matrixWaitTimeout()
                        + " (coverage now " + coverage + "); is the predictor publishing to " + Topics.SIMILARITY + "?");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                matrices.close();
                throw new IllegalStateException("Interrupted while waiting for similarity matrices", e);
            }
        }
    }

    private void consume() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.IMAGE_SETS, Topics.STIMULI, Topics.SIMILARITY)) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(60));
                for (PartitionInfo info : infos) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    decode(record);
                }
            }
        } catch (WakeupException e) {
            // close() wakes the consumer to stop.
        } catch (RuntimeException e) {
            log.error("[trainer run={}] Similarity consumer failed; no further matrix updates will arrive: {}",
                    config.runId(), e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void decode(ConsumerRecord<String, byte[]> record) {
        try {
            switch (record.topic()) {
                case Topics.IMAGE_SETS -> pending.add(CortexSerdes.imageSet().decode(record.topic(), record.value()));
                case Topics.STIMULI -> pending.add(CortexSerdes.stimulusImage().decode(record.topic(), record.value()));
                default -> {
                    SimilarityTile tile = CortexSerdes.similarityTile().decode(record.topic(), record.value());
                    if (wanted(tile.getMatrixId().toString())) {
                        pending.add(tile);
                    }
                }
            }
        } catch (RecordDecodingException e) {
            reject(record, e.reason().code(), e.getMessage());
        }
    }

    private void reject(ConsumerRecord<String, byte[]> record, String reason, String error) {
        long count = rejected.incrementAndGet();
        log.warn("[trainer run={}] Rejected record {}-{}@{} ({}): {}; {} rejected so far, sent to {}", config.runId(),
                record.topic(), record.partition(), record.offset(), reason, error, count, Topics.DEAD_LETTERS);
        DeadLetters.send(deadLetters, DeadLetters.of(APPLICATION, record, reason, error));
    }

    private boolean wanted(String matrixId) {
        for (String id : config.matrixIds()) {
            if (id.endsWith("*") ? matrixId.startsWith(id.substring(0, id.length() - 1)) : id.equals(matrixId)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean refresh() {
        boolean changed = false;
        Object next;
        List<String> touched = new ArrayList<>();
        while ((next = pending.poll()) != null) {
            if (next instanceof ImageSet set) {
                imageSets.put(set.getImageSetId().toString(), set);
            } else if (next instanceof StimulusImage image) {
                try {
                    stimuli().put(image);
                } catch (IllegalArgumentException e) {
                    rejected.incrementAndGet();
                    log.warn("[trainer run={}] Ignored stimulus image: {}", config.runId(), e.getMessage());
                }
            } else if (next instanceof SimilarityTile tile) {
                waiting.add(tile);
            }
        }
        List<SimilarityTile> still = new ArrayList<>();
        for (SimilarityTile tile : waiting) {
            ImageSet set = imageSets.get(tile.getImageSetId().toString());
            if (set == null) {
                still.add(tile);
                continue;
            }
            if (apply(tile, set)) {
                touched.add(tile.getMatrixId().toString());
                changed = true;
            }
        }
        waiting.clear();
        waiting.addAll(still);
        for (String id : touched.stream().distinct().toList()) {
            SimilarityMatrix source = sources.get(id);
            put(config.target() == SimilarityTarget.SHUFFLED ? source.shuffled(id, config.seed()) : source);
        }
        return changed;
    }

    private boolean apply(SimilarityTile tile, ImageSet set) {
        String id = tile.getMatrixId().toString();
        List<String> ids = set.getImageIds().stream().map(CharSequence::toString).toList();
        SimilarityMatrix matrix = sources.get(id);
        if (matrix == null || !matrix.imageIds().equals(ids)) {
            matrix = new SimilarityMatrix(id, ids);
            sources.put(id, matrix);
        }
        ByteBuffer bytes = tile.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int rows = tile.getRows();
        int columns = tile.getColumns();
        if (bytes.remaining() != rows * columns * 4 || tile.getImageCount() != ids.size()) {
            rejected.incrementAndGet();
            log.warn("[trainer run={}] Ignored tile {}: {} value bytes for {}x{}, image count {} vs image set {} of {}",
                    config.runId(), Topics.tileKey(id, tile.getTileRow(), tile.getTileColumn()), bytes.remaining(),
                    rows, columns, tile.getImageCount(), set.getImageSetId(), ids.size());
            return false;
        }
        float[] values = new float[rows * columns];
        bytes.asFloatBuffer().get(values);
        try {
            matrix.applyTile(tile.getTileRow(), tile.getTileColumn(), tile.getTileSize(), rows, columns, values,
                    tile.getVersion());
            return true;
        } catch (IllegalArgumentException e) {
            rejected.incrementAndGet();
            log.warn("[trainer run={}] Ignored tile {}: {}", config.runId(),
                    Topics.tileKey(id, tile.getTileRow(), tile.getTileColumn()), e.getMessage());
            return false;
        }
    }

    /** Returns the number of records rejected so far. */
    public long rejected() {
        return rejected.get();
    }

    @Override
    public void close() {
        if (running.compareAndSet(true, false)) {
            consumer.wakeup();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deadLetters.close(Duration.ofSeconds(10));
        }
    }
}
