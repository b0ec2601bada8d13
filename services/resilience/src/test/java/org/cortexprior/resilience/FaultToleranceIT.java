package org.cortexprior.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.cortexprior.avro.DeadLetter;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;
import org.cortexprior.kafka.DeadLetters;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.LocalBroker;
import org.cortexprior.kafka.Topics;
import org.cortexprior.predictor.PredictorConfig;
import org.cortexprior.predictor.PredictorService;
import org.cortexprior.recordings.RecordedSession;
import org.cortexprior.recordings.Recording;
import org.cortexprior.recordings.SessionRecords;
import org.cortexprior.recordings.SessionReplayer;
import org.cortexprior.runtime.ServiceConfig;
import org.cortexprior.serde.CortexSerdes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Crash and restart tests against real processes: the predictor and the trainer run in child JVMs
 * and are killed with SIGKILL at seeded random points, and a local broker is stopped and killed in
 * the middle of a replay. Each test compares what the faulted run produced with an uninterrupted
 * run. After all tests the class prints one summary line,
 * {@code faults: kills=<n> records=<n> bad_inputs=<n> lost=<n> duplicated=<n>}, and fails unless
 * nothing was lost or duplicated.
 *
 * <p>Run with {@code ./mvnw -B -o verify -pl services/resilience}; each test starts its own broker
 * (about 5 s) and the whole class takes a few minutes on 2 cores.
 */
class FaultToleranceIT {

    private static final Logger log = LoggerFactory.getLogger(FaultToleranceIT.class);

    private static final long SEED = 20240611L;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration COMPLETE_TIMEOUT = Duration.ofSeconds(240);

    @AfterAll
    static void printFaultSummary() {
        String line = FaultTally.line();
        System.out.println(line);
        assertEquals(0, FaultTally.LOST.get(), line);
        assertEquals(0, FaultTally.DUPLICATED.get(), line);
    }

    // ---------------------------------------------------------------- predictor crash

    @Test
    void killedPredictorMatchesUninterruptedRun(@TempDir Path dir) throws Exception {
        Random random = new Random(SEED);
        SyntheticRecordings.Spec[] specs = {
                new SyntheticRecordings.Spec("crash-a", 16, 8, 3),
                new SyntheticRecordings.Spec("crash-b", 12, 6, 3),
                new SyntheticRecordings.Spec("crash-c", 20, 10, 3)};
        List<Path> folders = SyntheticRecordings.write(dir.resolve("recordings"), SEED, 0.1, specs);
        int totalImages = Arrays.stream(specs).mapToInt(SyntheticRecordings.Spec::images).sum();

        try (LocalBroker broker = startBroker(dir.resolve("broker"));
             TopicReader similarity = new TopicReader(KafkaSettings.of(broker.bootstrapServers()), Topics.SIMILARITY);
             TopicReader imageSets = new TopicReader(KafkaSettings.of(broker.bootstrapServers()), Topics.IMAGE_SETS)) {
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
            Path config = PredictorProcess.writeConfig(dir.resolve("crash.properties"),
                    predictorConfig(broker, "crash", dir.resolve("crash-state"), totalImages));
            Path predictorLog = dir.resolve("predictor.log");

            int startLine = 0;
            ChildJvm predictor = ChildJvm.start("predictor", PredictorProcess.class, predictorLog, List.of(), config.toString());
            AtomicReference<Throwable> replayFailure = new AtomicReference<>();
            Thread replay = new Thread(() -> replayAll(kafka, folders, 1.0, replayFailure), "replay");
            replay.start();

            int kills = 0;
            int plannedKills = Integer.getInteger("resilience.predictor.kills", 3);
            try {
                while (kills < plannedKills) {
                    // Kills land anywhere after start-up: while the predictor restores state, buffers trials or fits.
                    predictor.awaitLine(startLine, PredictorProcess.STARTED::equals, START_TIMEOUT);
                    Thread.sleep(random.nextInt(3000));
                    predictor.kill();
                    kills++;
                    FaultTally.KILLS.incrementAndGet();
                    log.info("Killed the predictor ({} of {})", kills, plannedKills);
                    startLine = predictor.lines().size();
                    predictor = ChildJvm.start("predictor", PredictorProcess.class, predictorLog, List.of(), config.toString());
                }
                replay.join(COMPLETE_TIMEOUT.toMillis());
                assertTrue(!replay.isAlive(), "replay did not finish");
                assertNull(replayFailure.get(), () -> "replay failed: " + replayFailure.get());

                predictor.awaitLine(startLine, PredictorProcess.COMPLETE::equals, COMPLETE_TIMEOUT);
                assertEquals(143, predictor.stop(Duration.ofSeconds(60)), "exit code after SIGTERM");
            } finally {
                predictor.close();
            }
            Path keptLog = keepLog(predictorLog);
            Map<String, SimilarityTile> crashTiles = similarity.latest(CortexSerdes.similarityTile());
            ImageSet crashImages = imageSets.latest(CortexSerdes.imageSet()).get(PredictorProcess.UNION_IMAGE_SET);
            similarity.skipToEnd();
            imageSets.skipToEnd();

            ServiceConfig referenceConfig = ServiceConfig.of(
                    predictorConfig(broker, "reference", dir.resolve("reference-state"), totalImages));
            try (PredictorService reference = PredictorService.start(referenceConfig, new SimpleMeterRegistry())) {
                awaitUnion(imageSets, totalImages);
                assertTrue(reference.awaitComplete(PredictorService.NEURAL_MATRIX, COMPLETE_TIMEOUT), "reference neural matrix");
                assertTrue(reference.awaitComplete(PredictorService.RAW_MATRIX, COMPLETE_TIMEOUT), "reference raw matrix");
            }
            Map<String, SimilarityTile> referenceTiles = similarity.latest(CortexSerdes.similarityTile());
            ImageSet referenceImages = imageSets.latest(CortexSerdes.imageSet()).get(PredictorProcess.UNION_IMAGE_SET);

            assertNotNull(crashImages, "union image set of the killed predictor");
            assertEquals(totalImages, crashImages.getImageIds().size(), "images in the killed predictor's set");
            assertEquals(new HashSet<>(referenceImages.getImageIds()), new HashSet<>(crashImages.getImageIds()),
                    "both runs index the same images");
            for (String matrix : List.of(PredictorService.NEURAL_MATRIX, PredictorService.RAW_MATRIX)) {
                long missing = referenceTiles.keySet().stream()
                        .filter(key -> key.startsWith(matrix + "/") && !crashTiles.containsKey(key)).count();
                long compared = referenceTiles.keySet().stream().filter(key -> key.startsWith(matrix + "/")).count();
                FaultTally.RECORDS.addAndGet(compared - missing);
                FaultTally.LOST.addAndGet(missing);
                assertEquals(0, missing, matrix + " tiles missing after the kills");

                Map<String, Double> crashed = entries(crashTiles, matrix, crashImages);
                Map<String, Double> uninterrupted = entries(referenceTiles, matrix, referenceImages);
                assertEquals(totalImages * totalImages, uninterrupted.size(), matrix + " entries of the reference");
                assertEquals(uninterrupted.keySet(), crashed.keySet(), matrix + " entries");
                long finite = uninterrupted.values().stream().filter(Double::isFinite).count();
                // An all-NaN matrix (no neuron passing the held-out check) would match trivially.
                assertTrue(finite >= uninterrupted.size() / 2, matrix + " has only " + finite + " finite entries");
                double maxDiff = 0;
                String worst = "";
                long differing = 0;
                for (Map.Entry<String, Double> entry : uninterrupted.entrySet()) {
                    double d = difference(entry.getValue(), crashed.get(entry.getKey()));
                    differing += d > 1e-5 ? 1 : 0;
                    if (d > maxDiff) {
                        maxDiff = d;
                        worst = entry.getKey() + " (uninterrupted " + entry.getValue() + ", killed " + crashed.get(entry.getKey()) + ")";
                    }
                }
                log.info("Matrix {} after {} kills differs from the uninterrupted run by at most {}", matrix, kills, maxDiff);
                assertTrue(maxDiff <= 1e-5, matrix + " matrix after " + kills + " kills differs by up to " + maxDiff
                        + " in " + differing + " of " + uninterrupted.size() + " entries, most at " + worst
                        + "; predictor log kept in " + keptLog);
            }
        }
    }

    // ---------------------------------------------------------------- broker restart

    @Test
    void brokerStopAndKillLoseNoTrial(@TempDir Path dir) throws Exception {
        Random random = new Random(SEED + 1);
        SyntheticRecordings.Spec[] specs = {
                new SyntheticRecordings.Spec("restart-a", 10, 5, 3),
                new SyntheticRecordings.Spec("restart-b", 8, 7, 3),
                new SyntheticRecordings.Spec("restart-c", 12, 4, 3)};
        List<Path> folders = SyntheticRecordings.write(dir.resolve("recordings"), SEED + 1, 0.1, specs);

        try (LocalBroker broker = startBroker(dir.resolve("broker"))) {
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
            AtomicReference<Throwable> replayFailure = new AtomicReference<>();
            Thread replay = new Thread(() -> replayWithRetries(kafka, folders, replayFailure), "replay");
            replay.start();

            Thread.sleep(1500 + random.nextInt(1500));
            log.info("Stopping the broker in the middle of the replay");
            broker.stop();
            broker.restart(START_TIMEOUT);
            Thread.sleep(1500 + random.nextInt(1500));
            log.info("Killing the broker in the middle of the replay");
            broker.kill();
            FaultTally.KILLS.incrementAndGet();
            broker.restart(START_TIMEOUT);

            replay.join(COMPLETE_TIMEOUT.toMillis());
            assertTrue(!replay.isAlive(), "replay did not finish");
            assertNull(replayFailure.get(), () -> "replay failed: " + replayFailure.get());

            Map<String, SessionCheck> sessions = new LinkedHashMap<>();
            for (Path folder : folders) {
                try (Recording recording = Recording.open(folder)) {
                    RecordedSession session = recording.sessions().get(0);
                    sessions.put(session.sessionId(), new SessionCheck(session));
                }
            }
            try (TopicReader trials = new TopicReader(kafka, Topics.TRIALS);
                 TopicReader announcements = new TopicReader(kafka, Topics.SESSIONS)) {
                for (ConsumerRecord<String, byte[]> record : announcements.readNew()) {
                    SessionCheck check = sessions.get(record.key());
                    if (check != null) {
                        check.announcements++;
                    }
                }
                for (ConsumerRecord<String, byte[]> record : trials.readNew()) {
                    TrialBatch batch = CortexSerdes.trialBatch().decode(Topics.TRIALS, record.value());
                    sessions.get(batch.getSessionId()).add(batch);
                }
            }
            for (Map.Entry<String, SessionCheck> entry : sessions.entrySet()) {
                SessionCheck check = entry.getValue();
                String id = entry.getKey();
                FaultTally.RECORDS.addAndGet(check.distinct.size());
                FaultTally.LOST.addAndGet(check.expected.size() - check.distinct.size());
                FaultTally.DUPLICATED.addAndGet(check.duplicates);
                assertEquals(1, check.announcements, id + " announcements");
                assertEquals(check.expected.size(), check.distinct.size(), id + " distinct trials");
                assertEquals(0, check.duplicates, id + " trials read more than once");
                assertEquals(0, check.mismatched, id + " trials whose responses differ from the recording");
                assertEquals(1, check.lastBatches, id + " batches marked last");
                assertEquals(check.expectedChecksum(), check.actualChecksum(), id + " response checksum");
            }
        }
    }

    /** Replays every folder's session, starting over with a new replayer after a failure, as an operator would. */
    private static void replayWithRetries(KafkaSettings kafka, List<Path> folders, AtomicReference<Throwable> failure) {
        for (Path folder : folders) {
            for (int attempt = 1; ; attempt++) {
                try (Recording recording = Recording.open(folder);
                     SessionReplayer replayer = SessionReplayer.builder(kafka).trialsPerBatch(3).speed(1.0)
                             .partitions(2).build()) {
                    replayer.replay(recording.sessions().get(0));
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.set(e);
                    return;
                } catch (RuntimeException e) {
                    log.info("Replay attempt {} of {} failed; replaying again: {}", attempt, folder.getFileName(), e.toString());
                    if (attempt == 5) {
                        failure.set(e);
                        return;
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException interrupted) {
                        failure.set(interrupted);
                        return;
                    }
                }
            }
        }
    }

    /** One session's trials from the recording and from the trials topic, compared by trial id. */
    private static final class SessionCheck {
        final Map<Long, float[]> expected = new LinkedHashMap<>();
        final Map<Long, float[]> distinct = new HashMap<>();
        long duplicates;
        long mismatched;
        long lastBatches;
        long announcements;

        SessionCheck(RecordedSession session) {
            for (long t = 0; t < session.trialCount(); t++) {
                expected.put(session.trial(t).trialId(), session.trial(t).responses());
            }
        }

        void add(TrialBatch batch) {
            lastBatches += batch.getLastBatch() ? 1 : 0;
            for (Trial trial : batch.getTrials()) {
                float[] responses = SessionRecords.responses(trial);
                if (distinct.putIfAbsent(trial.getTrialId(), responses) != null) {
                    duplicates++;
                } else if (!Arrays.equals(expected.get(trial.getTrialId()), responses)) {
                    mismatched++;
                }
            }
        }

        long expectedChecksum() {
            return checksum(expected);
        }

        long actualChecksum() {
            return checksum(distinct);
        }

        /** CRC-32 of the little-endian responses in trial-id order. */
        private static long checksum(Map<Long, float[]> trials) {
            CRC32 crc = new CRC32();
            trials.keySet().stream().sorted().forEach(id -> {
                float[] values = trials.get(id);
                ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(values);
                crc.update(bytes.array());
            });
            return crc.getValue();
        }
    }

    // ---------------------------------------------------------------- bad records

    @Test
    void badRecordsGoToDeadLetters(@TempDir Path dir) throws Exception {
        SyntheticRecordings.Spec spec = new SyntheticRecordings.Spec("bad-input", 12, 6, 3);
        Path folder = SyntheticRecordings.write(dir.resolve("recordings"), SEED + 2, 0.1, spec).get(0);

        try (LocalBroker broker = startBroker(dir.resolve("broker"));
             Recording recording = Recording.open(folder)) {
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
            RecordedSession session = recording.sessions().get(0);
            String sessionId = session.sessionId();
            List<TrialBatch> valid = new ArrayList<>();
            SessionRecords.trialBatches(session, 4).forEachRemaining(valid::add);
            TrialBatch template = valid.get(0);

            // Each bad record is named by the reason the predictor must give, with text its error must contain.
            List<BadRecord> bad = new ArrayList<>();
            byte[] encoded = encode(template);
            bad.add(new BadRecord("deserialization", "TrialBatch", sessionId, Arrays.copyOf(encoded, encoded.length / 2)));
            byte[] unknownFingerprint = encode(template);
            unknownFingerprint[4] ^= 0x5A;
            bad.add(new BadRecord("unknown-schema", "fingerprint", sessionId, unknownFingerprint));
            bad.add(new BadRecord("invalid-values", "NaN", sessionId, encode(withResponse(template, 1001, Float.NaN))));
            bad.add(new BadRecord("invalid-values", "Infinity", sessionId,
                    encode(withResponse(template, 1002, Float.POSITIVE_INFINITY))));
            bad.add(new BadRecord("neuron-count-mismatch", "neuronCount", sessionId, encode(TrialBatch.newBuilder(template)
                    .setBatchIndex(1003).setNeuronCount(template.getNeuronCount() + 1).build())));
            bad.add(new BadRecord("unknown-session", "never-announced/1/1", "never-announced/1/1",
                    encode(TrialBatch.newBuilder(template).setSessionId("never-announced/1/1").setBatchIndex(1004).build())));
            List<Trial> many = new ArrayList<>();
            for (int i = 0; i < 44; i++) {
                many.addAll(template.getTrials());
            }
            byte[] oversized = encode(TrialBatch.newBuilder(template).setBatchIndex(1005).setTrials(many).build());
            assertTrue(oversized.length > MAX_RECORD_BYTES, "oversized record is " + oversized.length + " bytes");
            bad.add(new BadRecord("record-too-large", "bytes", sessionId, oversized));
            for (TrialBatch batch : valid) {
                assertTrue(encode(batch).length < MAX_RECORD_BYTES, "valid batches fit under the limit");
            }

            Map<String, String> values = predictorConfig(broker, "bad-input", dir.resolve("state"), spec.images());
            values.put(PredictorConfig.MAX_RECORD_BYTES, Integer.toString(MAX_RECORD_BYTES));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (PredictorService predictor = PredictorService.start(ServiceConfig.of(values), registry);
                 var producer = new KafkaProducer<String, byte[]>(kafka.producer(null))) {
                producer.send(new ProducerRecord<>(Topics.SESSIONS, sessionId,
                        CortexSerdes.sessionAnnouncement().serialize(Topics.SESSIONS,
                                SessionRecords.announcement(session, folder.toString(), System.currentTimeMillis()))));
                for (int i = 0; i < session.imageCount(); i++) {
                    var stimulus = SessionRecords.stimulusImage(session.stimulus(i));
                    producer.send(new ProducerRecord<>(Topics.STIMULI,
                            stimulus.getImageId().toString(), CortexSerdes.stimulusImage().serialize(Topics.STIMULI, stimulus)));
                }
                int half = valid.size() / 2;
                for (TrialBatch batch : valid.subList(0, half)) {
                    producer.send(new ProducerRecord<>(Topics.TRIALS, sessionId, encode(batch)));
                }
                for (BadRecord record : bad) {
                    producer.send(new ProducerRecord<>(Topics.TRIALS, record.key(), record.value()));
                }
                for (TrialBatch batch : valid.subList(half, valid.size())) {
                    producer.send(new ProducerRecord<>(Topics.TRIALS, sessionId, encode(batch)));
                }
                producer.flush();
                FaultTally.BAD_INPUTS.addAndGet(bad.size());

                assertTrue(predictor.awaitComplete(PredictorService.NEURAL_MATRIX, COMPLETE_TIMEOUT), "neural matrix complete");
                assertTrue(predictor.awaitComplete(PredictorService.RAW_MATRIX, COMPLETE_TIMEOUT), "raw matrix complete");
                var buffered = registry.find("predictor.trials.buffered").tag("session", sessionId).gauge();
                assertNotNull(buffered, "buffered-trials gauge of " + sessionId);
                FaultTally.RECORDS.addAndGet((long) buffered.value());
                FaultTally.LOST.addAndGet(session.trialCount() - (long) buffered.value());
                assertEquals(session.trialCount(), (long) buffered.value(), "valid trials before and after the bad ones");
            }

            Map<String, Long> expectedReasons = new HashMap<>();
            bad.forEach(record -> expectedReasons.merge(record.reason(), 1L, Long::sum));
            for (Map.Entry<String, Long> reason : expectedReasons.entrySet()) {
                var counter = registry.find("predictor.dead.letters").tag("reason", reason.getKey()).counter();
                assertNotNull(counter, "dead-letter counter for " + reason.getKey());
                assertEquals(reason.getValue(), (long) counter.count(), "dead letters counted as " + reason.getKey());
            }

            List<DeadLetter> letters = new ArrayList<>();
            try (TopicReader deadLetters = new TopicReader(kafka, Topics.DEAD_LETTERS)) {
                for (ConsumerRecord<String, byte[]> record : deadLetters.readNew()) {
                    letters.add(DeadLetters.decode(record.value()));
                }
            }
            assertEquals(bad.size(), letters.size(), "dead letters: " + letters);
            for (BadRecord record : bad) {
                List<DeadLetter> matches = letters.stream().filter(letter -> letter.getValue() != null
                        && Arrays.equals(record.value(), bytes(letter.getValue()))).toList();
                FaultTally.LOST.addAndGet(matches.isEmpty() ? 1 : 0);
                FaultTally.DUPLICATED.addAndGet(Math.max(0, matches.size() - 1));
                assertEquals(1, matches.size(), record.reason() + " record in the dead-letter topic");
                DeadLetter letter = matches.get(0);
                assertEquals(record.reason(), letter.getReason().toString(), "reason of " + record.errorText());
                assertEquals(Topics.TRIALS, letter.getSourceTopic().toString(), "source topic");
                assertTrue(letter.getError().toString().contains(record.errorText()),
                        record.reason() + " error names " + record.errorText() + ": " + letter.getError());
            }
        }
    }

    /** Value of {@code predictor.max.record.bytes} in the bad-records test: valid batches stay far below it. */
    private static final int MAX_RECORD_BYTES = 4096;

    /** A malformed trial record, the dead-letter reason it must get and a text its error message must contain. */
    private record BadRecord(String reason, String errorText, String key, byte[] value) {
    }

    private static byte[] encode(TrialBatch batch) {
        return CortexSerdes.trialBatch().serialize(Topics.TRIALS, batch);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy;
    }

    /** Returns a copy of {@code batch} under a new index whose first trial has {@code value} for its third neuron. */
    private static TrialBatch withResponse(TrialBatch batch, long batchIndex, float value) {
        List<Trial> trials = new ArrayList<>(batch.getTrials());
        ByteBuffer responses = ByteBuffer.allocate(batch.getNeuronCount() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int n = 0; n < batch.getNeuronCount(); n++) {
            responses.putFloat(n == 2 ? value : 1f);
        }
        responses.flip();
        trials.set(0, Trial.newBuilder(trials.get(0)).setResponses(responses).build());
        return TrialBatch.newBuilder(batch).setBatchIndex(batchIndex).setTrials(trials).build();
    }

    // ---------------------------------------------------------------- trainer crash

    @Test
    void killedTrainerResumesOnSchedule(@TempDir Path dir) throws Exception {
        Path images = writeImageFolder(dir.resolve("images"));
        Path referenceOut = dir.resolve("uninterrupted");
        ChildJvm reference = ChildJvm.start("trainer", TrainerProcess.class, dir.resolve("uninterrupted.log"), List.of(),
                images.toString(), referenceOut.toString());
        assertEquals(0, reference.awaitExit(COMPLETE_TIMEOUT), () -> "uninterrupted run failed:\n" + ChildJvm.tail(reference.lines()));
        Map<Long, StepLine> expected = steps(reference.lines());
        long totalSteps = expected.size();
        assertTrue(totalSteps >= 20, "the run has " + totalSteps + " steps");

        // Kill after a seeded step in the middle of the run, past the first checkpoint and away from the end.
        long killAfter = 5 + new Random(SEED + 3).nextInt((int) totalSteps - 10);
        Path out = dir.resolve("resumed");
        Path log = dir.resolve("resumed.log");
        ChildJvm first = ChildJvm.start("trainer", TrainerProcess.class, log, List.of(), images.toString(), out.toString());
        try {
            first.awaitLine(0, line -> line.startsWith(TrainerProcess.STEP_PREFIX) && StepLine.parse(line).step() >= killAfter,
                    COMPLETE_TIMEOUT);
            first.kill();
        } finally {
            first.close();
        }
        FaultTally.KILLS.incrementAndGet();
        int linesBeforeResume = first.lines().size();
        Map<Long, StepLine> beforeKill = steps(first.lines());
        assertTrue(beforeKill.size() < totalSteps, "the kill came before the end of the run");
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("checkpoint").resolve("checkpoint.json").toFile());
        long checkpointStep = manifest.path("globalStep").asLong();
        int checkpointEpoch = manifest.path("epoch").asInt();
        assertTrue(checkpointStep > 0, "the killed run wrote no checkpoint before step " + beforeKill.size());
        assertTrue(checkpointStep <= beforeKill.size(),
                "checkpoint at step " + checkpointStep + " but only " + beforeKill.size() + " steps done");

        ChildJvm resumed = ChildJvm.start("trainer", TrainerProcess.class, log, List.of(), images.toString(), out.toString());
        assertEquals(0, resumed.awaitExit(COMPLETE_TIMEOUT), () -> "resumed run failed:\n" + ChildJvm.tail(resumed.lines()));
        List<String> resumedLines = resumed.lines().subList(linesBeforeResume, resumed.lines().size());
        List<StepLine> after = resumedLines.stream().filter(line -> line.startsWith(TrainerProcess.STEP_PREFIX))
                .map(StepLine::parse).toList();
        assertTrue(resumedLines.contains(TrainerProcess.FINISHED + totalSteps), "resumed run finished all " + totalSteps + " steps");

        StepLine firstResumed = after.get(0);
        assertEquals(checkpointStep + 1, firstResumed.step(), "first step after the resume");
        assertEquals(checkpointEpoch, firstResumed.epoch(), "epoch of the first step after the resume");

        // The run as it happened: steps up to the checkpoint from the killed run, the rest from the resumed one.
        Map<Long, Integer> taken = new HashMap<>();
        beforeKill.keySet().stream().filter(step -> step <= checkpointStep).forEach(step -> taken.merge(step, 1, Integer::sum));
        after.forEach(line -> taken.merge(line.step(), 1, Integer::sum));
        long lost = expected.keySet().stream().filter(step -> !taken.containsKey(step)).count();
        long duplicated = taken.values().stream().filter(count -> count > 1).count();
        FaultTally.RECORDS.addAndGet(totalSteps);
        FaultTally.LOST.addAndGet(lost);
        FaultTally.DUPLICATED.addAndGet(duplicated);
        assertEquals(0, lost, "steps never taken");
        assertEquals(0, duplicated, "steps taken twice");

        // Same schedule position and same data: learning rate, epoch and both losses match the uninterrupted run.
        List<StepLine> compared = new ArrayList<>(after);
        beforeKill.values().stream().filter(line -> line.step() > checkpointStep).forEach(compared::add);
        for (StepLine line : compared) {
            StepLine want = expected.get(line.step());
            assertEquals(want.epoch(), line.epoch(), "epoch at step " + line.step());
            assertEquals(want.learningRate(), line.learningRate(), 1e-12, "learning rate at step " + line.step());
            assertEquals(want.crossEntropy(), line.crossEntropy(), 1e-4, "cross-entropy at step " + line.step());
            assertEquals(want.similarityLoss(), line.similarityLoss(), 1e-4, "similarity loss at step " + line.step());
        }
    }

    /** One line of {@link TrainerProcess} output. */
    private record StepLine(long step, int epoch, double learningRate, double crossEntropy, double similarityLoss) {
        static StepLine parse(String line) {
            Map<String, String> fields = new HashMap<>();
            for (String part : line.trim().split(" ")) {
                String[] keyValue = part.split("=", 2);
                fields.put(keyValue[0], keyValue[1]);
            }
            return new StepLine(Long.parseLong(fields.get("step")), Integer.parseInt(fields.get("epoch")),
                    Double.parseDouble(fields.get("lr")), Double.parseDouble(fields.get("ce")),
                    Double.parseDouble(fields.get("sim")));
        }
    }

    /** Returns the step lines of a run by step; a later line for the same step replaces an earlier one. */
    private static Map<Long, StepLine> steps(List<String> lines) {
        Map<Long, StepLine> steps = new LinkedHashMap<>();
        lines.stream().filter(line -> line.startsWith(TrainerProcess.STEP_PREFIX)).map(StepLine::parse)
                .forEach(line -> steps.put(line.step(), line));
        return steps;
    }

    /** Writes 2 classes x 44 PNG images of 16x16: bright-left versus bright-right gradients with noise. */
    private static Path writeImageFolder(Path root) throws java.io.IOException {
        Random random = new Random(SEED + 4);
        for (String label : new String[] {"left", "right"}) {
            Path folder = java.nio.file.Files.createDirectories(root.resolve("train").resolve(label));
            for (int i = 0; i < 44; i++) {
                BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        int ramp = label.equals("left") ? 255 - x * 16 : x * 16;
                        int v = Math.max(0, Math.min(255, ramp + random.nextInt(61) - 30));
                        image.setRGB(x, y, (v << 16) | (v << 8) | v);
                    }
                }
                ImageIO.write(image, "png", folder.resolve(String.format("%03d.png", i)).toFile());
            }
        }
        return root;
    }

    /** Copies a child's log to {@code target/fault-logs}, which outlives the test's temporary directory. */
    private static Path keepLog(Path log) throws java.io.IOException {
        Path kept = Path.of("target", "fault-logs", log.getFileName().toString()).toAbsolutePath();
        java.nio.file.Files.createDirectories(kept.getParent());
        return java.nio.file.Files.copy(log, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Starts a broker of the test's own and creates the shared topics with 2 partitions each. */
    private static LocalBroker startBroker(Path dataDir) {
        LocalBroker broker = LocalBroker.builder().dataDir(dataDir).heap("512m").start();
        try (Admin admin = Admin.create(KafkaSettings.of(broker.bootstrapServers()).admin())) {
            Topics.ensure(admin, 2, (short) 1);
        }
        return broker;
    }

    private static Map<String, String> predictorConfig(LocalBroker broker, String applicationId, Path stateDir,
                                                       int expectedImages) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(ServiceConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
        values.put(ServiceConfig.STATE_DIR, stateDir.toString());
        values.put(ServiceConfig.METRICS_PORT, "-1");
        values.put(PredictorConfig.APPLICATION_ID, applicationId);
        values.put(PredictorConfig.MODEL, "ridge");
        values.put(PredictorConfig.TILE_SIZE, "8");
        values.put(PredictorConfig.INPUT_SIZE, "16");
        values.put(PredictorConfig.REFIT_TRIALS, "16");
        values.put(PredictorConfig.WORKER_INTERVAL_MS, "200");
        values.put(PredictorConfig.PARTITIONS, "2");
        // A killed member leaves the consumer group only when its session times out; the broker's minimum is 6 s.
        values.put(PredictorConfig.STREAMS_PREFIX + "session.timeout.ms", "6000");
        values.put(PredictorConfig.STREAMS_PREFIX + "heartbeat.interval.ms", "1000");
        values.put(PredictorProcess.EXPECTED_IMAGES, Integer.toString(expectedImages));
        return values;
    }

    /** Waits until the union image set read by {@code imageSets} lists {@code images} images. */
    private static void awaitUnion(TopicReader imageSets, int images) throws InterruptedException {
        long deadline = System.nanoTime() + COMPLETE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            ImageSet union = imageSets.latest(CortexSerdes.imageSet()).get(PredictorProcess.UNION_IMAGE_SET);
            if (union != null && union.getImageIds().size() >= images) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the union image set never listed " + images + " images");
    }

    /** Returns the matrix entries keyed {@code rowImageId|columnImageId}, from the latest tile per key. */
    private static Map<String, Double> entries(Map<String, SimilarityTile> tiles, String matrixId, ImageSet images) {
        List<String> ids = images.getImageIds().stream().map(CharSequence::toString).toList();
        Map<String, Double> entries = new HashMap<>();
        for (SimilarityTile tile : tiles.values()) {
            if (!tile.getMatrixId().toString().equals(matrixId)) {
                continue;
            }
            assertEquals(ids.size(), tile.getImageCount(), "image count of tile " + tile.getTileRow() + "/" + tile.getTileColumn());
            ByteBuffer values = tile.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int base = values.position();
            for (int i = 0; i < tile.getRows(); i++) {
                for (int j = 0; j < tile.getColumns(); j++) {
                    String row = ids.get(tile.getTileRow() * tile.getTileSize() + i);
                    String column = ids.get(tile.getTileColumn() * tile.getTileSize() + j);
                    double value = values.getFloat(base + (i * tile.getColumns() + j) * Float.BYTES);
                    entries.put(row + "|" + column, value);
                    entries.put(column + "|" + row, value);
                }
            }
        }
        return entries;
    }

    /** Absolute difference, 0 when both are NaN and infinite when only one is. */
    private static double difference(double expected, double actual) {
        if (Double.isNaN(expected) && Double.isNaN(actual)) {
            return 0;
        }
        double d = Math.abs(expected - actual);
        return Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
    }

    /** Replays every folder's session in order; a failure is kept for the test thread. */
    private static void replayAll(KafkaSettings kafka, List<Path> folders, double speed, AtomicReference<Throwable> failure) {
        try (SessionReplayer replayer = SessionReplayer.builder(kafka).trialsPerBatch(4).speed(speed).partitions(2).build()) {
            for (Path folder : folders) {
                try (Recording recording = Recording.open(folder)) {
                    replayer.replay(recording.sessions().get(0));
                }
            }
        } catch (Throwable e) {
            failure.set(e);
        }
    }
}
