package org.cortexprior.trainer.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import javax.imageio.ImageIO;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.cortexprior.avro.DeadLetter;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.TrainingEvent;
import org.cortexprior.avro.TrainingEventType;
import org.cortexprior.kafka.DeadLetters;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.CortexSerdes;
import org.cortexprior.testkit.TestBroker;
import org.cortexprior.trainer.Profile;
import org.cortexprior.trainer.SimilarityTarget;
import org.cortexprior.trainer.TrainerConfig;
import org.cortexprior.trainer.TrainingListener;
import org.cortexprior.trainer.TrainingParameters;
import org.cortexprior.trainer.TrainingSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The streamed target end to end against a real broker. The test publishes image sets, stimulus
 * images and similarity tiles of two per-session matrices transactionally. The trainer waits for
 * the minimum coverage and trains on covered pairs only. It applies a tile update between steps,
 * routes a garbage record and a misfitting tile to the dead-letter topic, and publishes its
 * training events.
 *
 * <p>Matrix s1 has 12 images in tiles of 4; tiles (0,0), (0,1) and (1,1) cover images 0..7 only.
 * Matrix s2 has 8 images; tiles (0,0) and (1,1) cover pairs within each half but not across. Every
 * stimulus image is one uniform gray level, so the pixels of a drawn pair name its images.
 */
class StreamedTrainingIT {

    private static final int TILE = 4;
    private static final int S1_IMAGES = 12;
    private static final int S2_IMAGES = 8;
    private static final int RESOLUTION = 16;
    private static final long UPDATE_AFTER_STEP = 5;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final String unique = TestBroker.uniqueName("streamed");
    private final String s1 = "neural/" + unique + "-s1";
    private final String s2 = "neural/" + unique + "-s2";

    @Test
    void trainerFollowsStreamedMatrices() throws Exception {
        KafkaSettings kafka = KafkaSettings.of(TestBroker.bootstrapServers());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TrainerConfig config = TrainerConfig.builder()
                .images(writeImageFolder(dir.resolve("images")))
                .target(SimilarityTarget.NEURAL)
                .matrixIds(List.of("neural/" + unique + "-*"))
                .minCoverage(0.4)
                .matrixWaitTimeout(Duration.ofSeconds(60))
                .kafka(kafka)
                .profile(Profile.SMOKE)
                .overrides(Map.of("image-size", "16", "stimulus-resolution", Integer.toString(RESOLUTION),
                        "batch-size", "16", "pairs-per-step", "4", "epochs", "4", "width-multiplier", "0.0625",
                        "validation-fraction", "0.05"))
                .seed(11)
                .runId(unique)
                .outputDir(dir.resolve("out"))
                .meterRegistry(registry)
                .device(Device.cpu())
                .build();
        TrainingParameters p = config.parameters();
        ClassificationData data = ClassificationDataReader.read(config.images(), new ClassificationDataReader.Selection(
                p.imageSize(), p.trainImages(), p.testImages(), p.validationFraction(), config.seed()));

        try (Producer<String, byte[]> producer = new KafkaProducer<>(kafka.producer(unique + "-publisher"))) {
            producer.initTransactions();

            // Below the minimum coverage: s1 has 6 of 66 pairs, s2 6 of 28. A tile claiming the wrong
            // image count must be rejected once its image set is known.
            transaction(producer, () -> {
                imageSet(producer, s1, S1_IMAGES, 0);
                imageSet(producer, s2, S2_IMAGES, S1_IMAGES);
                for (int k = 0; k < S1_IMAGES + S2_IMAGES; k++) {
                    stimulus(producer, k);
                }
                tile(producer, s1, S1_IMAGES, 0, 0, 1, StreamedTrainingIT::firstVersion);
                tile(producer, s2, S2_IMAGES, 0, 0, 1, StreamedTrainingIT::firstVersion);
                SimilarityTile misfit = tileRecord(s2, S2_IMAGES, 0, 1, 1, StreamedTrainingIT::firstVersion);
                misfit.setImageCount(S2_IMAGES + 1);
                send(producer, Topics.SIMILARITY, Topics.tileKey(s2, 0, 1), CortexSerdes.similarityTile().serialize(
                        Topics.SIMILARITY, misfit));
            });
            CompletableFuture<StreamedMatrices> starting = CompletableFuture.supplyAsync(
                    () -> StreamedMatrices.start(config, RESOLUTION));
            awaitDeadLetter(kafka, Topics.tileKey(s2, 0, 1), "invalid-values");
            Thread.sleep(1000);
            assertFalse(starting.isDone(), "the trainer must wait while every matrix is below the minimum coverage");

            // s1 reaches 28 of 66 pairs (images 0..7), s2 12 of 28 (pairs within each half).
            transaction(producer, () -> {
                tile(producer, s1, S1_IMAGES, 0, 1, 1, StreamedTrainingIT::firstVersion);
                tile(producer, s1, S1_IMAGES, 1, 1, 1, StreamedTrainingIT::firstVersion);
                tile(producer, s2, S2_IMAGES, 1, 1, 1, StreamedTrainingIT::firstVersion);
            });

            try (StreamedMatrices matrices = starting.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                awaitEligible(matrices, 2);
                assertEquals(28.0 / 66, matrices.coverage().get(s1), 1e-9);
                assertEquals(12.0 / 28, matrices.coverage().get(s2), 1e-9);
                assertEquals(3L, matrices.versions().get(s1));

                RecordingPairs pairs = new RecordingPairs(matrices);
                long[] updatedAt = {-1};
                TrainerConfig withListener = TrainerConfig.builder()
                        .images(config.images()).target(config.target()).matrixIds(config.matrixIds())
                        .kafka(kafka).profile(config.profile()).parameters(p).seed(config.seed())
                        .runId(config.runId()).outputDir(config.outputDir()).meterRegistry(registry)
                        .device(Device.cpu())
                        .listener(new TrainingListener() {
                            @Override
                            public void step(long globalStep, double crossEntropy, double similarityLoss) {
                                if (globalStep == UPDATE_AFTER_STEP) {
                                    updatedAt[0] = globalStep;
                                    publishUpdate(producer, kafka);
                                }
                            }
                        })
                        .build();

                TrainingSummary summary;
                try (TrainingEvents events = TrainingEvents.kafka(config.runId(), kafka)) {
                    summary = new TrainerLoop(withListener, data, pairs, events,
                            new TrainerMetrics(registry, config.runId()), Device.cpu(),
                            TrainingStep.PairMode.REGULARISE).run();
                }

                assertEquals(UPDATE_AFTER_STEP, updatedAt[0], "the update was published mid-run");
                assertEquals(4L * (data.train().size() / 16), summary.steps());
                assertEquals(4L, summary.matrixVersions().get(s1), "tile (0,0) of s1 at version 2");
                assertEquals(2L, summary.matrixVersions().get(s2));
                assertTrue(Double.isFinite(summary.finalSimilarityLoss()));
                checkDraws(pairs.draws);
                assertTrue(registry.get("dead.letters").tag("application", "trainer").tag("reason", "deserialization")
                        .counter().count() >= 1);
                assertTrue(registry.get("dead.letters").tag("application", "trainer").tag("reason", "invalid-values")
                        .counter().count() >= 1);
            }
        }

        checkEvents(readEvents(kafka, unique));
    }

    /** Checks every drawn pair against the matrices and versions the test published. */
    private void checkDraws(List<PairBatch> draws) {
        int fromS1 = 0;
        int fromS2 = 0;
        int updatedDraws = 0;
        for (int step = 0; step < draws.size(); step++) {
            PairBatch batch = draws.get(step);
            assertNotNull(batch, "step " + step + " had no pair batch");
            for (int pair = 0; pair < batch.pairs(); pair++) {
                int a = imageAt(batch, pair);
                int b = imageAt(batch, batch.pairs() + pair);
                String where = "step " + step + ", pair " + pair + " (images " + a + ", " + b + ")";
                assertTrue(a != b, where);
                float target = batch.targets()[pair];
                if (a < S1_IMAGES && b < S1_IMAGES) {
                    fromS1++;
                    assertTrue(a < 2 * TILE, "uncovered first image drawn from s1: " + where);
                    assertTrue(b < 2 * TILE, "uncovered second image drawn from s1: " + where);
                    boolean inUpdatedTile = a < TILE && b < TILE;
                    boolean afterUpdate = step > UPDATE_AFTER_STEP - 1;
                    float expected = inUpdatedTile && afterUpdate ? secondVersion(a, b) : firstVersion(a, b);
                    assertEquals(expected, target, 1e-6, "target of " + where);
                    updatedDraws += inUpdatedTile && afterUpdate ? 1 : 0;
                } else {
                    fromS2++;
                    assertTrue(a >= S1_IMAGES, "pair across matrices: " + where);
                    assertTrue(b >= S1_IMAGES, "pair across matrices: " + where);
                    int i = a - S1_IMAGES;
                    int j = b - S1_IMAGES;
                    assertEquals(i / TILE, j / TILE, "uncovered pair drawn from s2: " + where);
                    assertEquals(firstVersion(i, j), target, 1e-6, "target of " + where);
                }
            }
        }
        assertTrue(fromS1 > 0, "pairs drawn from s1");
        assertTrue(fromS2 > 0, "pairs drawn from s2");
        assertTrue(updatedDraws > 0, "some pairs used the updated tile");
    }

    private void checkEvents(List<TrainingEvent> events) {
        List<TrainingEventType> types = events.stream().map(TrainingEvent::getType).toList();
        assertEquals(TrainingEventType.STARTED, types.get(0), types.toString());
        assertEquals(TrainingEventType.FINISHED, types.get(types.size() - 1), types.toString());
        assertEquals(4, types.stream().filter(t -> t == TrainingEventType.EPOCH_END).count(), types.toString());
        List<TrainingEvent> updates = events.stream().filter(e -> e.getType() == TrainingEventType.MATRIX_UPDATED).toList();
        assertEquals(1, updates.size(), types.toString());
        TrainingEvent update = updates.get(0);
        assertEquals(s1, update.getMessage().toString());
        assertEquals(4L, update.getMatrixVersion());
        assertEquals(UPDATE_AFTER_STEP, update.getStep(), "applied before the step after the publication");
        assertEquals(28.0 / 66, update.getMetrics().get("coverage"), 1e-9);
    }

    /**
     * Publishes, in one transaction, version 2 of tile (0,0) of s1 and then a garbage record under
     * the same key, so on the same partition. Then waits for the garbage's dead letter. Once it
     * exists, the trainer's consumer has queued the update, and the next step applies it.
     */
    private void publishUpdate(Producer<String, byte[]> producer, KafkaSettings kafka) {
        String key = Topics.tileKey(s1, 0, 0);
        transaction(producer, () -> {
            tile(producer, s1, S1_IMAGES, 0, 0, 2, StreamedTrainingIT::secondVersion);
            send(producer, Topics.SIMILARITY, key, "not an avro record".getBytes(StandardCharsets.UTF_8));
        });
        awaitDeadLetter(kafka, key, "deserialization");
    }

    /** Version 1 of every tile: a smooth function of the image indices within the matrix. */
    static float firstVersion(int i, int j) {
        return i == j ? 1f : 0.05f * (i + j) - 0.4f;
    }

    /** Version 2 of tile (0,0) of s1. */
    static float secondVersion(int i, int j) {
        return i == j ? 1f : 0.6f - 0.1f * Math.abs(i - j);
    }

    /** Returns the image index a uniform stimulus plane in a pair batch was published with. */
    private static int imageAt(PairBatch batch, int row) {
        int plane = batch.resolution() * batch.resolution();
        float value = batch.pixels()[row * plane] * 255f;
        float last = batch.pixels()[row * plane + plane - 1] * 255f;
        assertEquals(value, last, 1e-3, "stimulus planes are uniform");
        return Math.round((value - 20) / 10);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void transaction(Producer<String, byte[]> producer, Body body) {
        producer.beginTransaction();
        try {
            body.run();
            producer.commitTransaction();
        } catch (Exception e) {
            producer.abortTransaction();
            throw new IllegalStateException("Publishing failed", e);
        }
    }

    private void imageSet(Producer<String, byte[]> producer, String matrixId, int images, int firstImage) {
        List<String> ids = new ArrayList<>();
        for (int k = 0; k < images; k++) {
            ids.add(imageId(firstImage + k));
        }
        ImageSet set = ImageSet.newBuilder().setImageSetId(matrixId + "-images").setImageIds(ids).build();
        send(producer, Topics.IMAGE_SETS, matrixId + "-images", CortexSerdes.imageSet().serialize(Topics.IMAGE_SETS, set));
    }

    private void stimulus(Producer<String, byte[]> producer, int k) {
        byte[] pixels = new byte[RESOLUTION * RESOLUTION];
        Arrays.fill(pixels, (byte) (20 + 10 * k));
        StimulusImage image = StimulusImage.newBuilder().setImageId(imageId(k)).setWidth(RESOLUTION)
                .setHeight(RESOLUTION).setChannels(1).setPixels(ByteBuffer.wrap(pixels)).setProvenance("test").build();
        send(producer, Topics.STIMULI, imageId(k), CortexSerdes.stimulusImage().serialize(Topics.STIMULI, image));
    }

    private String imageId(int k) {
        return unique + "/image" + k;
    }

    private interface TileValues {
        float at(int i, int j);
    }

    private void tile(Producer<String, byte[]> producer, String matrixId, int images, int row, int column, long version,
                      TileValues values) {
        SimilarityTile tile = tileRecord(matrixId, images, row, column, version, values);
        send(producer, Topics.SIMILARITY, Topics.tileKey(matrixId, row, column),
                CortexSerdes.similarityTile().serialize(Topics.SIMILARITY, tile));
    }

    private static SimilarityTile tileRecord(String matrixId, int images, int row, int column, long version,
                                             TileValues values) {
        int rows = Math.min(TILE, images - row * TILE);
        int columns = Math.min(TILE, images - column * TILE);
        ByteBuffer bytes = ByteBuffer.allocate(rows * columns * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                bytes.putFloat(values.at(row * TILE + r, column * TILE + c));
            }
        }
        bytes.flip();
        return SimilarityTile.newBuilder().setMatrixId(matrixId).setImageSetId(matrixId + "-images").setVersion(version)
                .setTileRow(row).setTileColumn(column).setTileSize(TILE).setRows(rows).setColumns(columns)
                .setImageCount(images).setValues(bytes).setSessionCount(1).setNeuronCount(10).build();
    }

    private static void send(Producer<String, byte[]> producer, String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    private static void awaitEligible(StreamedMatrices matrices, int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (matrices.eligible().size() < count) {
            assertTrue(System.nanoTime() < deadline, "both matrices eligible; coverage " + matrices.coverage());
            Thread.sleep(100);
            matrices.refresh();
        }
    }

    /** Waits until the trainer has routed the record with this key to the dead-letter topic for this reason. */
    private static void awaitDeadLetter(KafkaSettings kafka, String key, String reason) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        List<DeadLetter> found = readUntil(kafka, Topics.DEAD_LETTERS, value -> {
            DeadLetter letter = DeadLetters.decode(value);
            return letter.getApplication().toString().equals("trainer") && letter.getReason().toString().equals(reason)
                    && letter.getKey() != null && letter.getKey().duplicate().equals(ByteBuffer.wrap(keyBytes));
        }, DeadLetters::decode);
        assertEquals(Topics.SIMILARITY, found.get(0).getSourceTopic().toString());
    }

    private static List<TrainingEvent> readEvents(KafkaSettings kafka, String runId) {
        List<TrainingEvent> events = new ArrayList<>();
        readUntil(kafka, Topics.TRAINING_EVENTS, value -> {
            TrainingEvent event = CortexSerdes.trainingEvent().decode(Topics.TRAINING_EVENTS, value);
            if (event.getRunId().toString().equals(runId)) {
                events.add(event);
            }
            return event.getRunId().toString().equals(runId) && event.getType() == TrainingEventType.FINISHED;
        }, value -> null);
        return events;
    }

    /**
     * Reads a topic from the beginning with read_committed until a value matches; returns the decoded
     * matches.
     */
    private static <T> List<T> readUntil(KafkaSettings kafka, String topic, Predicate<byte[]> match,
                                         java.util.function.Function<byte[], T> decode) {
        List<T> matches = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumer(null))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, WAIT).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (matches.isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no matching record on " + topic + " within " + WAIT);
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() != null && match.test(record.value())) {
                        matches.add(decode.apply(record.value()));
                    }
                }
            }
        }
        return matches;
    }

    /** Records every pair batch the trainer draws, in step order. */
    private static final class RecordingPairs implements PairSource {
        private final PairSource delegate;
        final List<PairBatch> draws = new ArrayList<>();

        RecordingPairs(PairSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean refresh() {
            return delegate.refresh();
        }

        @Override
        public PairBatch draw(Random random, int pairs) {
            PairBatch batch = delegate.draw(random, pairs);
            draws.add(batch);
            return batch;
        }

        @Override
        public Map<String, Long> versions() {
            return delegate.versions();
        }

        @Override
        public Map<String, Double> coverage() {
            return delegate.coverage();
        }
    }

    /** Writes 2 classes x 43 PNG images of 16x16: bright-left versus bright-right gradients with noise. */
    private static Path writeImageFolder(Path root) throws Exception {
        Random random = new Random(3);
        for (String cls : new String[] {"left", "right"}) {
            Path folder = Files.createDirectories(root.resolve("train").resolve(cls));
            for (int i = 0; i < 43; i++) {
                BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        int ramp = cls.equals("left") ? 255 - x * 16 : x * 16;
                        int v = Math.max(0, Math.min(255, ramp + random.nextInt(61) - 30));
                        image.setRGB(x, y, (v << 16) | (v << 8) | v);
                    }
                }
                ImageIO.write(image, "png", folder.resolve(String.format("%03d.png", i)).toFile());
            }
        }
        return root;
    }
}
