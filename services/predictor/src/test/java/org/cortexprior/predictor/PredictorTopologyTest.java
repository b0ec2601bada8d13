package org.cortexprior.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.cortexprior.avro.DeadLetter;
import org.cortexprior.avro.SessionPredictions;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;
import org.cortexprior.kafka.DeadLetters;
import org.cortexprior.kafka.Topics;
import org.cortexprior.predictor.internals.FitWorker;
import org.cortexprior.predictor.internals.PredictorMetrics;
import org.cortexprior.predictor.internals.PredictorStores;
import org.cortexprior.predictor.internals.PredictorTopology;
import org.cortexprior.predictor.internals.RidgeFitter;
import org.cortexprior.predictor.internals.SavedModelFitter;
import org.cortexprior.runtime.ServiceConfig;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PredictorTopologyTest {

    @TempDir
    Path stateDir;

    private static final int TILE = 8;
    private static final int INPUT = 16;
    private static final long SEED = 7;

    private PredictorConfig config() {
        return new PredictorConfig(ServiceConfig.of(Map.of(
                PredictorConfig.TILE_SIZE, Integer.toString(TILE),
                PredictorConfig.INPUT_SIZE, Integer.toString(INPUT),
                PredictorConfig.MODEL, "ridge",
                PredictorConfig.REFIT_TRIALS, "40",
                PredictorConfig.SEED, Long.toString(SEED))));
    }

    private TopologyTestDriver driver(PredictorConfig config, PredictorMetrics metrics) {
        PredictorTopology.registerSchemas();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return new TopologyTestDriver(PredictorTopology.build(config, metrics), props);
    }

    /**
     * Feeds the same three sessions in several arrival orders and checks the streamed matrices
     * against the batch computation. The fit worker runs after every record, so sessions are fitted
     * while the union image set is still growing and before their stimuli or last batches arrive.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"announced-first", "session-by-session", "stimuli-last", "random-1", "random-2"})
    void matrixEqualsBatchInAnyArrivalOrder(String order) {
        PredictorConfig config = config();
        PredictorMetrics metrics = PredictorMetrics.standalone();
        SyntheticSessions data = new SyntheticSessions(11, new int[] {20, 15, 13}, new int[] {9, 6, 12}, 10);
        try (TopologyTestDriver driver = driver(config, metrics)) {
            Inputs in = new Inputs(driver, config);
            FitWorker worker = in.worker(config, metrics);
            int published = 0;
            for (Arrival arrival : arrivals(data, order)) {
                in.pipe(arrival);
                published += worker.runOnce();
            }
            published += worker.runOnce();
            // With the stimuli last, the worker cannot fit before every trial has arrived.
            int sessions = data.announcements.size();
            assertTrue(order.equals("stimuli-last") ? published == sessions : published > sessions,
                    "intermediate refits and final fits were published: " + published);
            // A worker that restarted re-publishes every generation; the aggregation must ignore the copies.
            FitWorker restarted = in.worker(config, metrics);
            restarted.runOnce();

            Map<String, SimilarityTile> latest = in.latestTiles();
            List<String> union = in.union();
            assertEquals(new HashSet<>(data.union()), new HashSet<>(union), "union image set");
            double[] neural = BatchReference.assemble(latest, "neural", union.size());
            double[] raw = BatchReference.assemble(latest, "raw", union.size());
            double neuralDiff = BatchReference.maxAbsDiff(neural, BatchReference.neural(data, union, INPUT, SEED));
            double rawDiff = BatchReference.maxAbsDiff(raw, BatchReference.raw(data, union));
            assertTrue(neuralDiff <= 1e-5, "neural matrix differs from batch by " + neuralDiff);
            assertTrue(rawDiff <= 1e-5, "raw matrix differs from batch by " + rawDiff);

            SimilarityTile corner = latest.get(Topics.tileKey("neural", 0, 5));
            assertEquals(3, corner.getSessionCount());
            assertEquals(TILE, corner.getRows());
            assertEquals(48 - 5 * TILE, corner.getColumns());
            assertTrue(new PredictorStores(driver::getKeyValueStore).applied("neural", "synthetic/1/1").getGeneration() > 0);
        }
    }

    /** One input record. */
    private record Arrival(String topic, String key, byte[] value) {
    }

    /**
     * Returns the records of {@code data} in a named order. Every order announces a session before
     * its first trial batch, because batches of an unknown session go to the dead-letter topic.
     */
    private static List<Arrival> arrivals(SyntheticSessions data, String order) {
        List<Arrival> stimuli = new ArrayList<>();
        for (var stimulus : data.stimuli) {
            stimuli.add(new Arrival(Topics.STIMULI, stimulus.getImageId(),
                    CortexSerdes.stimulusImage().serialize(Topics.STIMULI, stimulus)));
        }
        Map<String, Arrival> announcements = new LinkedHashMap<>();
        for (var a : data.announcements) {
            announcements.put(a.getSessionId(), new Arrival(Topics.SESSIONS, a.getSessionId(),
                    CortexSerdes.sessionAnnouncement().serialize(Topics.SESSIONS, a)));
        }
        List<Arrival> result = new ArrayList<>();
        switch (order) {
            case "announced-first" -> {
                result.addAll(stimuli);
                result.addAll(announcements.values());
                data.shuffledBatches(3).forEach(b -> result.add(batch(b)));
            }
            case "session-by-session" -> {
                // Each session is fitted completely before the next one grows the union.
                result.addAll(stimuli);
                for (var a : data.announcements) {
                    result.add(announcements.get(a.getSessionId()));
                    data.batchesOf(a.getSessionId()).forEach(b -> result.add(batch(b)));
                }
            }
            case "stimuli-last" -> {
                // The last batch of each session comes first, so later batches arrive after the session ended.
                result.addAll(announcements.values());
                List<TrialBatch> batches = new ArrayList<>(data.batches);
                Collections.reverse(batches);
                batches.forEach(b -> result.add(batch(b)));
                result.addAll(stimuli);
            }
            default -> {
                List<Arrival> shuffled = new ArrayList<>(stimuli);
                data.batches.forEach(b -> shuffled.add(batch(b)));
                Collections.shuffle(shuffled, new Random(order.hashCode()));
                for (Arrival arrival : shuffled) {
                    Arrival announcement = announcements.remove(arrival.key());
                    if (arrival.topic().equals(Topics.TRIALS) && announcement != null) {
                        result.add(announcement);
                    }
                    result.add(arrival);
                }
            }
        }
        return result;
    }

    private static Arrival batch(TrialBatch batch) {
        return new Arrival(Topics.TRIALS, batch.getSessionId(), encode(batch));
    }

    @Test
    void savedModelSettingSelectsTensorFlowModel() {
        PredictorConfig config = new PredictorConfig(ServiceConfig.of(Map.of(PredictorConfig.MODEL, "savedmodel",
                PredictorConfig.SAVED_MODEL_PATH, stateDir.toString())));

        assertInstanceOf(SavedModelFitter.class, PredictorService.fitter(config));
    }

    @Test
    void badRecordsGoToDeadLetters() {
        PredictorConfig config = config();
        PredictorMetrics metrics = PredictorMetrics.standalone();
        SyntheticSessions data = new SyntheticSessions(5, new int[] {10}, new int[] {4}, 10);
        try (TopologyTestDriver driver = driver(config, metrics)) {
            Inputs in = new Inputs(driver, config);
            var announcement = data.announcements.get(0);
            in.sessions.pipeInput(announcement.getSessionId(),
                    CortexSerdes.sessionAnnouncement().serialize(Topics.SESSIONS, announcement));
            TrialBatch good = data.batches.get(0);

            in.trials.pipeInput("x", new byte[] {1, 2, 3});
            byte[] unknownSchema = CortexSerdes.trialBatch().serialize(Topics.TRIALS, good);
            unknownSchema[5] ^= 0x5A;
            in.trials.pipeInput(good.getSessionId(), unknownSchema);
            in.trials.pipeInput("other", encode(TrialBatch.newBuilder(good).setSessionId("other/1/1").build()));
            in.trials.pipeInput(good.getSessionId(), encode(TrialBatch.newBuilder(good).setNeuronCount(5).build()));
            in.trials.pipeInput(good.getSessionId(), encode(withResponse(good, Float.NaN)));
            in.trials.pipeInput(good.getSessionId(), new byte[config.maxRecordBytes() + 1]);
            in.trials.pipeInput(good.getSessionId(), encode(good));
            in.trials.pipeInput(good.getSessionId(), encode(good));

            Map<String, Integer> reasons = new HashMap<>();
            for (var record : in.deadLetters.readKeyValuesToList()) {
                DeadLetter letter = DeadLetters.decode(record.value);
                reasons.merge(letter.getReason(), 1, Integer::sum);
                assertEquals(Topics.TRIALS, letter.getSourceTopic());
            }
            assertEquals(Map.of("deserialization", 1, "unknown-schema", 1, "unknown-session", 1,
                    "neuron-count-mismatch", 1, "invalid-values", 1, "record-too-large", 1), reasons);
            assertEquals(1.0, metrics.deadLetters("invalid-values"));
            assertEquals(1.0, metrics.registry().find("predictor.trials.duplicate").counter().count());
            var progress = new PredictorStores(driver::getKeyValueStore).sessions().get(announcement.getSessionId());
            assertEquals(good.getTrials().size(), progress.getBufferedTrials());
        }
    }

    private static byte[] encode(TrialBatch batch) {
        return CortexSerdes.trialBatch().serialize(Topics.TRIALS, batch);
    }

    private static TrialBatch withResponse(TrialBatch batch, float value) {
        List<Trial> trials = new ArrayList<>(batch.getTrials());
        ByteBuffer responses = ByteBuffer.allocate(batch.getNeuronCount() * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int n = 0; n < batch.getNeuronCount(); n++) {
            responses.putFloat(n == 2 ? value : 1f);
        }
        responses.flip();
        trials.set(0, Trial.newBuilder(trials.get(0)).setResponses(responses).build());
        return TrialBatch.newBuilder(batch).setTrials(trials).build();
    }

    /** The driver's input and output topics, plus a fit worker wired to them. */
    private static final class Inputs {
        final TopologyTestDriver driver;
        final TestInputTopic<String, byte[]> sessions;
        final TestInputTopic<String, byte[]> stimuli;
        final TestInputTopic<String, byte[]> trials;
        final TestInputTopic<String, byte[]> predictions;
        final TestOutputTopic<String, byte[]> similarity;
        final TestOutputTopic<String, byte[]> deadLetters;

        Inputs(TopologyTestDriver driver, PredictorConfig config) {
            this.driver = driver;
            StringSerializer keys = new StringSerializer();
            ByteArraySerializer values = new ByteArraySerializer();
            sessions = driver.createInputTopic(Topics.SESSIONS, keys, values);
            stimuli = driver.createInputTopic(Topics.STIMULI, keys, values);
            trials = driver.createInputTopic(Topics.TRIALS, keys, values);
            predictions = driver.createInputTopic(config.predictionsTopic(), keys, values);
            similarity = driver.createOutputTopic(Topics.SIMILARITY, new StringDeserializer(), new ByteArrayDeserializer());
            deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS, new StringDeserializer(), new ByteArrayDeserializer());
        }

        void pipe(Arrival arrival) {
            TestInputTopic<String, byte[]> topic = switch (arrival.topic()) {
                case Topics.SESSIONS -> sessions;
                case Topics.STIMULI -> stimuli;
                default -> trials;
            };
            topic.pipeInput(arrival.key(), arrival.value());
        }

        /** Returns the union image set as stored in the image-sets store. */
        List<String> union() {
            return List.copyOf(new PredictorStores(driver::getKeyValueStore).imageSet("union").getImageIds());
        }

        FitWorker worker(PredictorConfig config, PredictorMetrics metrics) {
            AvroSerde<SessionPredictions> serde = AvroSerde.of(SessionPredictions.class);
            return new FitWorker(config, new PredictorStores(driver::getKeyValueStore), new RidgeFitter(config.seed()),
                    chunks -> chunks.forEach(c -> predictions.pipeInput(c.getSessionId(), serde.serialize(null, c))),
                    metrics);
        }

        Map<String, SimilarityTile> latestTiles() {
            Map<String, SimilarityTile> latest = new HashMap<>();
            for (var record : similarity.readKeyValuesToList()) {
                SimilarityTile tile = CortexSerdes.similarityTile().deserialize(Topics.SIMILARITY, record.value);
                SimilarityTile previous = latest.get(record.key);
                assertTrue(previous == null || tile.getVersion() > previous.getVersion(), "versions increase");
                latest.put(record.key, tile);
            }
            return latest;
        }
    }
}
