package org.cortexprior.recordings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.CortexSerdes;
import org.cortexprior.testkit.SharedData;
import org.cortexprior.testkit.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replays recordings into a real broker and reads every record back with a read_committed consumer. */
class ReplayIT {

    /** Per-session counts and checksums, from the files or from the topics. */
    private static final class Tally {
        long trials;
        long batches;
        long lastBatches;
        long nextTrialId;
        final CRC32 responses = new CRC32();
        long images;
        long pixelChecksum;
        long announcements;
    }

    @Test
    void allV4SessionsReadBackExactly() throws Exception {
        Path root = SharedData.require("v4-cowley2023");
        KafkaSettings kafka = KafkaSettings.of(TestBroker.bootstrapServers());
        Map<String, Tally> expected = new HashMap<>();
        try (Recording recording = Recording.open(root);
             SessionReplayer replayer = SessionReplayer.builder(kafka).source(root.toString()).build()) {
            // Two sessions at a time (the default), as the replay command publishes them.
            List<ReplayResult> results = replayer.replayAll(recording.sessions(), failOnRejection());
            assertEquals(recording.sessions().size(), results.size());
            for (int i = 0; i < results.size(); i++) {
                RecordedSession session = recording.sessions().get(i);
                ReplayResult result = results.get(i);
                assertEquals(session.sessionId(), result.sessionId(), "results in the order given");
                assertEquals(ReplayResult.Outcome.PUBLISHED, result.outcome(), session.sessionId());
                assertEquals(session.trialCount(), result.trials());
                expected.put(session.sessionId(), tallyFiles(session));
            }
            for (ReplayResult again : replayer.replayAll(recording.sessions(), failOnRejection())) {
                assertEquals(ReplayResult.Outcome.SKIPPED, again.outcome(), "second replay of " + again.sessionId());
            }
        }

        Map<String, Tally> actual = readBack(kafka, expected.keySet().stream().toList());
        assertEquals(10, expected.size());
        for (Map.Entry<String, Tally> entry : expected.entrySet()) {
            Tally want = entry.getValue();
            Tally got = actual.get(entry.getKey());
            String id = entry.getKey();
            assertEquals(1, got.announcements, id + " announcements");
            assertEquals(want.trials, got.trials, id + " trials");
            assertEquals(1, got.lastBatches, id + " last batches");
            assertEquals(want.responses.getValue(), got.responses.getValue(), id + " response checksum");
            assertEquals(want.images, got.images, id + " images");
            assertEquals(want.pixelChecksum, got.pixelChecksum, id + " pixel checksum");
        }
    }

    @Test
    void failingSessionPublishesNothing(@TempDir Path dir) throws Exception {
        int trials = 40;
        int neurons = 3;
        float[] responses = new float[trials * neurons];
        for (int i = 0; i < responses.length; i++) {
            responses[i] = i;
        }
        responses[responses.length - 1] = Float.NaN;
        Path named = Files.createDirectories(dir.resolve(TestBroker.uniqueName("broken")));
        Npy.writeFloat32(named.resolve("responses.npy"), new long[] {trials, neurons}, responses);
        Npy.writeUint8(named.resolve("images.npy"), new long[] {trials, 4, 4}, new byte[trials * 16]);

        KafkaSettings kafka = KafkaSettings.of(TestBroker.bootstrapServers());
        String sessionId;
        try (Recording recording = Recording.open(named);
             SessionReplayer replayer = SessionReplayer.builder(kafka).trialsPerBatch(8).build()) {
            RecordedSession session = recording.sessions().get(0);
            sessionId = session.sessionId();
            RecordingFormatException error = assertThrows(RecordingFormatException.class, () -> replayer.replay(session));
            assertTrue(error.getMessage().contains("responses.npy"), error.getMessage());
            assertTrue(error.getMessage().contains("NaN"), error.getMessage());
        }
        Tally got = readBack(kafka, List.of(sessionId)).get(sessionId);
        assertEquals(0, got.announcements);
        assertEquals(0, got.batches);
        assertEquals(0, got.images);
    }

    @Test
    void concurrentReplayRejectsOnlyTheBrokenSession(@TempDir Path dir) throws Exception {
        List<Path> folders = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            int trials = 30;
            float[] responses = new float[trials * 2];
            for (int i = 0; i < responses.length; i++) {
                responses[i] = s * 1000 + i;
            }
            if (s == 1) {
                responses[17] = Float.POSITIVE_INFINITY;
            }
            Path folder = Files.createDirectories(dir.resolve(TestBroker.uniqueName("concurrent" + s)));
            Npy.writeFloat32(folder.resolve("responses.npy"), new long[] {trials, 2}, responses);
            Npy.writeUint8(folder.resolve("images.npy"), new long[] {trials, 3, 3}, new byte[trials * 9]);
            folders.add(folder);
        }

        KafkaSettings kafka = KafkaSettings.of(TestBroker.bootstrapServers());
        List<Recording> recordings = new ArrayList<>();
        try (SessionReplayer replayer = SessionReplayer.builder(kafka).trialsPerBatch(7).concurrentSessions(3).build()) {
            List<RecordedSession> sessions = new ArrayList<>();
            for (Path folder : folders) {
                Recording recording = Recording.open(folder);
                recordings.add(recording);
                sessions.add(recording.sessions().get(0));
            }
            List<String> outcomes = new ArrayList<>();
            List<ReplayResult> results = replayer.replayAll(sessions, new SessionReplayer.Listener() {
                @Override
                public void replayed(ReplayResult result) {
                    outcomes.add("replayed " + result.sessionId());
                }

                @Override
                public void rejected(RecordedSession session, RecordingFormatException error) {
                    assertTrue(error.getMessage().contains("responses.npy"), error.getMessage());
                    outcomes.add("rejected " + session.sessionId());
                }
            });

            assertEquals(List.of("replayed " + sessions.get(0).sessionId(), "rejected " + sessions.get(1).sessionId(),
                    "replayed " + sessions.get(2).sessionId()), outcomes);
            assertEquals(2, results.size());
            Map<String, Tally> got = readBack(kafka, sessions.stream().map(RecordedSession::sessionId).toList());
            assertEquals(30, got.get(sessions.get(0).sessionId()).trials);
            assertEquals(0, got.get(sessions.get(1).sessionId()).trials);
            assertEquals(0, got.get(sessions.get(1).sessionId()).announcements);
            assertEquals(30, got.get(sessions.get(2).sessionId()).trials);
        } finally {
            for (Recording recording : recordings) {
                recording.close();
            }
        }
    }

    private static SessionReplayer.Listener failOnRejection() {
        return new SessionReplayer.Listener() {
            @Override
            public void replayed(ReplayResult result) {
            }

            @Override
            public void rejected(RecordedSession session, RecordingFormatException error) {
                throw error;
            }
        };
    }

    @Test
    void pacedReplayCommitsEveryBatch(@TempDir Path dir) throws Exception {
        int trials = 12;
        float[] responses = new float[trials * 2];
        double[] onsets = new double[trials];
        for (int t = 0; t < trials; t++) {
            responses[2 * t] = t;
            responses[2 * t + 1] = -t;
            onsets[t] = t * 0.01;
        }
        Path named = Files.createDirectories(dir.resolve(TestBroker.uniqueName("paced")));
        Npy.writeFloat32(named.resolve("responses.npy"), new long[] {trials, 2}, responses);
        Npy.writeUint8(named.resolve("images.npy"), new long[] {trials, 2, 2}, new byte[trials * 4]);
        Npy.writeFloat64(named.resolve("timestamps.npy"), new long[] {trials}, onsets);

        KafkaSettings kafka = KafkaSettings.of(TestBroker.bootstrapServers());
        try (Recording recording = Recording.open(named);
             SessionReplayer replayer = SessionReplayer.builder(kafka).trialsPerBatch(5).speed(2).build()) {
            RecordedSession session = recording.sessions().get(0);
            ReplayResult result = replayer.replay(session);
            assertEquals(3, result.batches());
            assertTrue(result.nanos() >= Duration.ofMillis(50).toNanos(), "paced replay took " + result.nanos() + " ns");
            assertEquals(ReplayResult.Outcome.SKIPPED, replayer.replay(session).outcome());
            Tally got = readBack(kafka, List.of(session.sessionId())).get(session.sessionId());
            assertEquals(trials, got.trials);
            assertEquals(3, got.batches);
            assertEquals(1, got.lastBatches);
        }
    }

    private static Tally tallyFiles(RecordedSession session) {
        Tally tally = new Tally();
        for (long t = 0; t < session.trialCount(); t++) {
            update(tally.responses, session.trial(t).responses());
            tally.trials++;
        }
        for (int i = 0; i < session.imageCount(); i++) {
            tally.pixelChecksum += crc(session.stimulus(i).pixels());
            tally.images++;
        }
        return tally;
    }

    private static Map<String, Tally> readBack(KafkaSettings kafka, List<String> sessionIds) {
        Map<String, Tally> tallies = new HashMap<>();
        sessionIds.forEach(id -> tallies.put(id, new Tally()));
        var batches = CortexSerdes.trialBatch();
        var stimuli = CortexSerdes.stimulusImage();
        var announcements = CortexSerdes.sessionAnnouncement();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumer(null))) {
            for (String topic : List.of(Topics.SESSIONS, Topics.STIMULI, Topics.TRIALS)) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (topic.equals(Topics.SESSIONS) && tallies.containsKey(record.key())) {
                            SessionAnnouncement announcement = announcements.deserialize(topic, record.value());
                            assertEquals(record.key(), announcement.getSessionId());
                            tallies.get(record.key()).announcements++;
                        } else if (topic.equals(Topics.STIMULI)) {
                            String sessionId = record.key().substring(0, record.key().lastIndexOf('/'));
                            Tally tally = tallies.get(sessionId);
                            if (tally != null) {
                                StimulusImage image = stimuli.deserialize(topic, record.value());
                                byte[] pixels = new byte[image.getPixels().remaining()];
                                image.getPixels().duplicate().get(pixels);
                                tally.pixelChecksum += crc(pixels);
                                tally.images++;
                            }
                        } else if (topic.equals(Topics.TRIALS) && tallies.containsKey(record.key())) {
                            Tally tally = tallies.get(record.key());
                            TrialBatch batch = batches.deserialize(topic, record.value());
                            assertEquals(tally.batches, batch.getBatchIndex(), record.key() + " batch order");
                            tally.batches++;
                            tally.lastBatches += batch.getLastBatch() ? 1 : 0;
                            for (Trial trial : batch.getTrials()) {
                                assertEquals(tally.nextTrialId++, trial.getTrialId(), record.key() + " trial order");
                                update(tally.responses, SessionRecords.responses(trial));
                                tally.trials++;
                            }
                        }
                    }
                }
            }
        }
        return tallies;
    }

    private static void update(CRC32 crc, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        crc.update(bytes.array());
    }

    private static long crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
