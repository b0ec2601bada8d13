package org.cortexprior.trainer.internals;

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.specific.SpecificRecordBase;
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
import org.cortexprior.kafka.DeadLetterRouter;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
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
 * it. Records that cannot be decoded, stimulus images with inconsistent dimensions and tiles that
 * do not fit their matrix go to the dead-letter topic with the reason, counted by the
 * {@code dead.letters} meter (application {@code trainer}). Tombstones (null values) are skipped:
 * a deleted tile or image stays as last received.
 */
public final class StreamedMatrices extends MatrixSet {

    private static final Logger log = LoggerFactory.getLogger(StreamedMatrices.class);
    private static final String APPLICATION = "trainer";

    private final TrainerConfig config;
    private final ConcurrentLinkedQueue<Received<?>> pending = new ConcurrentLinkedQueue<>();
    private final Map<String, ImageSet> imageSets = new HashMap<>();
    private final Map<String, SimilarityMatrix> sources = new LinkedHashMap<>();
    private final List<Received<SimilarityTile>> waiting = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong tombstones = new AtomicLong();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Producer<String, byte[]> deadLetters;
    /** Shared by the consumer thread and the training thread; guarded by its own monitor. */
    private final DeadLetterRouter router;
    private final Thread thread;

    /** A decoded record with the consumed record it came from, kept for dead-lettering. */
    private record Received<T>(T value, ConsumerRecord<String, byte[]> source) {
    }

    private StreamedMatrices(TrainerConfig config, int resolution) {
        super(new StimulusSet(resolution), config.minCoverage());
        this.config = config;
        KafkaSettings kafka = config.kafka();
        this.consumer = new KafkaConsumer<>(kafka.consumer(null));
        this.deadLetters = new KafkaProducer<>(kafka.producer(null));
        this.router = new DeadLetterRouter(APPLICATION, deadLetters, config.meterRegistry());
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
        if (record.value() == null) {
            long count = tombstones.incrementAndGet();
            log.info("[trainer run={}] Skipped tombstone {}-{}@{} (key {}); {} skipped so far", config.runId(),
                    record.topic(), record.partition(), record.offset(), record.key(), count);
            return;
        }
        Object value = switch (record.topic()) {
            case Topics.IMAGE_SETS -> decodeOrRoute(record, CortexSerdes.imageSet());
            case Topics.STIMULI -> decodeOrRoute(record, CortexSerdes.stimulusImage());
            default -> decodeOrRoute(record, CortexSerdes.similarityTile());
        };
        if (value instanceof SimilarityTile tile && !wanted(tile.getMatrixId().toString())) {
            return;
        }
        if (value != null) {
            pending.add(new Received<>(value, record));
        }
    }

    /** Decodes a record's value, or routes the record to the dead-letter topic and returns null. */
    private <T extends SpecificRecordBase> T decodeOrRoute(ConsumerRecord<String, byte[]> record, AvroSerde<T> serde) {
        Optional<T> value;
        synchronized (router) {
            value = router.decode(record, serde);
        }
        if (value.isEmpty()) {
            rejected.incrementAndGet();
            return null;
        }
        return value.get();
    }

    /** Routes a decoded record that cannot be used to the dead-letter topic with reason {@code invalid-values}. */
    private void reject(ConsumerRecord<String, byte[]> record, String error) {
        long count = rejected.incrementAndGet();
        log.warn("[trainer run={}] Rejected record {}-{}@{}: {}; {} rejected so far", config.runId(), record.topic(),
                record.partition(), record.offset(), error, count);
        synchronized (router) {
            router.route(record, "invalid-values", error);
        }
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
        Received<?> next;
        while ((next = pending.poll()) != null) {
            if (next.value() instanceof ImageSet set) {
                imageSets.put(set.getImageSetId().toString(), set);
            } else if (next.value() instanceof StimulusImage image) {
                try {
                    stimuli().put(image);
                } catch (IllegalArgumentException e) {
                    reject(next.source(), e.getMessage());
                }
            } else if (next.value() instanceof SimilarityTile tile) {
                waiting.add(new Received<>(tile, next.source()));
            }
        }

        boolean changed = false;
        List<String> touched = new ArrayList<>();
        List<Received<SimilarityTile>> still = new ArrayList<>();
        for (Received<SimilarityTile> tile : waiting) {
            ImageSet set = imageSets.get(tile.value().getImageSetId().toString());
            if (set == null) {
                still.add(tile);
                continue;
            }
            if (apply(tile, set)) {
                touched.add(tile.value().getMatrixId().toString());
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

    /** Writes a tile into its matrix; routes it to the dead-letter topic and returns false when it does not fit. */
    private boolean apply(Received<SimilarityTile> received, ImageSet set) {
        SimilarityTile tile = received.value();
        String id = tile.getMatrixId().toString();
        List<String> ids = set.getImageIds().stream().map(CharSequence::toString).toList();
        String problem = geometryProblem(tile, ids.size());
        if (problem != null) {
            reject(received.source(), "SimilarityTile " + Topics.tileKey(id, tile.getTileRow(), tile.getTileColumn())
                    + " of image set " + set.getImageSetId() + ": " + problem);
            return false;
        }

        SimilarityMatrix matrix = sources.get(id);
        if (matrix == null || !matrix.imageIds().equals(ids)) {
            matrix = new SimilarityMatrix(id, ids);
            sources.put(id, matrix);
        }
        float[] values = new float[tile.getRows() * tile.getColumns()];
        tile.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        matrix.applyTile(tile.getTileRow(), tile.getTileColumn(), tile.getTileSize(), tile.getRows(),
                tile.getColumns(), values, tile.getVersion());
        return true;
    }

    /** Returns what makes a tile unusable for an image set of {@code imageCount} images, or null when it fits. */
    static String geometryProblem(SimilarityTile tile, int imageCount) {
        int rows = tile.getRows();
        int columns = tile.getColumns();
        int size = tile.getTileSize();
        if (tile.getImageCount() != imageCount) {
            return "imageCount " + tile.getImageCount() + " differs from the image set's " + imageCount + " images";
        }
        if (size <= 0 || rows < 0 || columns < 0 || rows > size || columns > size) {
            return "rows " + rows + " and columns " + columns + " do not fit tileSize " + size;
        }
        if (tile.getTileRow() < 0 || tile.getTileColumn() < 0
                || (long) tile.getTileRow() * size + rows > imageCount
                || (long) tile.getTileColumn() * size + columns > imageCount) {
            return "tile (" + tile.getTileRow() + ", " + tile.getTileColumn() + ") of " + rows + "x" + columns
                    + " at tileSize " + size + " lies outside " + imageCount + " images";
        }
        if (tile.getValues().remaining() != (long) rows * columns * 4) {
            return "values has " + tile.getValues().remaining() + " bytes, expected " + ((long) rows * columns * 4)
                    + " (float32 " + rows + "x" + columns + ")";
        }
        return null;
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
