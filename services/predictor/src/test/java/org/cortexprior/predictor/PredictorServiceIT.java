package org.cortexprior.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.TrialBatch;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.runtime.ServiceConfig;
import org.cortexprior.serde.CortexSerdes;
import org.cortexprior.testkit.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Runs the predictor against a real broker through three restarts and checks that the published
 * matrices equal the batch computation (maximum absolute difference 1e-5):
 *
 * <ol>
 *   <li>an in-process service takes the first trials and is stopped;
 *   <li>the {@code predict} command in a separate JVM resumes on the same state directory,
 *       receives the announcement of a third session (so the union image set grows after fits),
 *       and is killed with SIGKILL mid-stream;
 *   <li>the command starts again on that state directory and is stopped with SIGTERM;
 *   <li>an in-process service with an empty state directory restores every store from its
 *       changelog and finishes.
 * </ol>
 *
 * <p>Trial batches arrive shuffled across sessions, a session's last batch not necessarily last.
 * Takes about a minute and a half on two cores, most of it the Kafka session and transaction
 * timeouts that a killed instance leaves behind.
 */
class PredictorServiceIT {

    private static final Logger log = LoggerFactory.getLogger(PredictorServiceIT.class);

    private static final int INPUT = 16;
    private static final long SEED = 7;
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path work;

    @Test
    void restartsMidStreamKeepBatchResult() throws Exception {
        String bootstrap = TestBroker.bootstrapServers();
        String app = TestBroker.uniqueName("predictor-it");
        SyntheticSessions data = new SyntheticSessions(23, new int[] {18, 14, 12}, new int[] {7, 5, 6}, 9);
        List<List<TrialBatch>> slices = slices(data);
        SessionAnnouncement third = data.announcements.get(2);
        Path keptState = work.resolve("state-kept");

        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(ServiceConfig.BOOTSTRAP_SERVERS, bootstrap);
        settings.put(PredictorConfig.APPLICATION_ID, app);
        settings.put(PredictorConfig.TILE_SIZE, "8");
        settings.put(PredictorConfig.INPUT_SIZE, Integer.toString(INPUT));
        settings.put(PredictorConfig.MODEL, "ridge");
        settings.put(PredictorConfig.SEED, Long.toString(SEED));
        settings.put(PredictorConfig.REFIT_TRIALS, "15");
        settings.put(PredictorConfig.WORKER_INTERVAL_MS, "200");
        // A stopped or killed instance stays in the consumer group until its session times out.
        // Kafka Streams' default timeout is 45 s, and 6 s is the broker's minimum.
        settings.put("streams.session.timeout.ms", "6000");
        settings.put("streams.heartbeat.interval.ms", "1500");

        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaSettings.of(bootstrap).producer(null));
             TileWatcher watcher = new TileWatcher(bootstrap)) {
            long started = System.nanoTime();
            for (StimulusImage stimulus : data.stimuli) {
                if (!third.getStimulusImageIds().contains(stimulus.getImageId())) {
                    sendStimulus(producer, stimulus);
                }
            }
            sendAnnouncement(producer, data.announcements.get(0));
            sendAnnouncement(producer, data.announcements.get(1));
            send(producer, slices.get(0));

            // 1. In-process, stopped gracefully once the first tiles are out.
            settings.put(ServiceConfig.STATE_DIR, keptState.toString());
            try (PredictorService first = PredictorService.start(ServiceConfig.of(settings), new SimpleMeterRegistry())) {
                await("first tiles", Duration.ofSeconds(60), () -> watcher.poll() > 0);
            }
            log.info("Phase 1 done after {} s", seconds(started));

            // 2. The predict command on the kept state; the union grows; killed with SIGKILL.
            int progress = watcher.pollUntilIdle();
            try (ChildService second = ChildService.start(settings, work.resolve("second.log"))) {
                sendAnnouncement(producer, third);
                await("union with the third session", Duration.ofSeconds(60),
                        () -> watcher.poll() >= 0 && watcher.union().containsAll(third.getStimulusImageIds()));
                send(producer, slices.get(1));
                for (StimulusImage stimulus : data.stimuli) {
                    if (third.getStimulusImageIds().contains(stimulus.getImageId())) {
                        sendStimulus(producer, stimulus);
                    }
                }
                int before = progress;
                await("tiles from the second instance", Duration.ofSeconds(60), () -> watcher.poll() > before + 10);
                HttpResponse<String> health = second.health();
                assertEquals(200, health.statusCode(), "health of the running command: " + health.body());
                assertTrue(health.body().contains("\"streams\":\"UP\""), "streams health check: " + health.body());
                String metrics = second.get("/metrics").body();
                assertTrue(metrics.contains("cortexprior_predictor_"), "predictor meters are exported");
                assertTrue(metrics.contains("cortexprior_kafka_stream_"), "Kafka Streams metrics are exported");
                second.kill();
            }
            log.info("Phase 2 done after {} s", seconds(started));

            // 3. The predict command again on the state the killed one left; stopped with SIGTERM.
            progress = watcher.pollUntilIdle();
            send(producer, slices.get(2));
            try (ChildService restarted = ChildService.start(settings, work.resolve("third.log"))) {
                int before = progress;
                await("tiles from the third instance", Duration.ofSeconds(60), () -> watcher.poll() > before + 10);
                int exit = restarted.terminate();
                // The JVM exits with 128 + 15 when SIGTERM ends it, after the shutdown hooks ran.
                assertTrue(exit == 0 || exit == 143, "exit code after SIGTERM: " + exit + "\n" + restarted.logTail());
                assertTrue(restarted.log().contains("Stopped application " + app), "orderly stop:\n" + restarted.logTail());
            }
            log.info("Phase 3 done after {} s", seconds(started));

            // 4. In-process with an empty state directory: every store comes back from its changelog.
            send(producer, slices.get(3));
            settings.put(ServiceConfig.STATE_DIR, work.resolve("state-wiped").toString());
            try (PredictorService last = PredictorService.start(ServiceConfig.of(settings), new SimpleMeterRegistry())) {
                assertTrue(last.awaitComplete(PredictorService.NEURAL_MATRIX, Duration.ofSeconds(90)),
                        "neural matrix completed after the restarts");
                assertTrue(last.awaitComplete(PredictorService.RAW_MATRIX, Duration.ofSeconds(30)),
                        "raw matrix completed after the restarts");
            }
            log.info("Phase 4 done after {} s", seconds(started));

            watcher.pollUntilIdle();
            List<String> union = watcher.union();
            assertEquals(new HashSet<>(data.union()), new HashSet<>(union), "union image set");
            assertEquals(data.union().size(), union.size(), "union lists each image once");
            double neuralDiff = BatchReference.maxAbsDiff(BatchReference.assemble(watcher.latest(), "neural", union.size()),
                    BatchReference.neural(data, union, INPUT, SEED));
            double rawDiff = BatchReference.maxAbsDiff(BatchReference.assemble(watcher.latest(), "raw", union.size()),
                    BatchReference.raw(data, union));
            assertTrue(neuralDiff <= TOLERANCE, "neural matrix differs from batch by " + neuralDiff);
            assertTrue(rawDiff <= TOLERANCE, "raw matrix differs from batch by " + rawDiff);
        }
    }

    /**
     * Splits the trial batches into four shuffled slices. The first contains batches of the first two
     * sessions only, because the third session is announced in the second phase.
     */
    private static List<List<TrialBatch>> slices(SyntheticSessions data) {
        String thirdSession = data.announcements.get(2).getSessionId();
        List<TrialBatch> early = new ArrayList<>();
        List<TrialBatch> rest = new ArrayList<>();
        for (TrialBatch batch : data.batches) {
            (batch.getSessionId().equals(thirdSession) ? rest : early).add(batch);
        }
        Collections.shuffle(early, new Random(5));
        int firstSize = early.size() / 3;
        rest.addAll(early.subList(firstSize, early.size()));
        Collections.shuffle(rest, new Random(6));
        int third = rest.size() / 3;
        return List.of(early.subList(0, firstSize), rest.subList(0, third), rest.subList(third, 2 * third),
                rest.subList(2 * third, rest.size()));
    }

    private static void sendStimulus(KafkaProducer<String, byte[]> producer, StimulusImage stimulus) {
        producer.send(new ProducerRecord<>(Topics.STIMULI, stimulus.getImageId(),
                CortexSerdes.stimulusImage().serialize(Topics.STIMULI, stimulus)));
    }

    private static void sendAnnouncement(KafkaProducer<String, byte[]> producer, SessionAnnouncement announcement) {
        producer.send(new ProducerRecord<>(Topics.SESSIONS, announcement.getSessionId(),
                CortexSerdes.sessionAnnouncement().serialize(Topics.SESSIONS, announcement)));
        producer.flush();
    }

    private static void send(KafkaProducer<String, byte[]> producer, List<TrialBatch> batches) {
        for (TrialBatch batch : batches) {
            producer.send(new ProducerRecord<>(Topics.TRIALS, batch.getSessionId(),
                    CortexSerdes.trialBatch().serialize(Topics.TRIALS, batch)));
        }
        producer.flush();
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out after " + timeout.toSeconds() + " s waiting for " + what);
            Thread.sleep(300);
        }
    }

    private static long seconds(long since) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
    }

    /** The {@code predict} command running in its own JVM, with its output in a log file. */
    private static final class ChildService implements AutoCloseable {

        private final Process process;
        private final Path logFile;
        private final int metricsPort;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        private ChildService(Process process, Path logFile, int metricsPort) {
            this.process = process;
            this.logFile = logFile;
            this.metricsPort = metricsPort;
        }

        static ChildService start(Map<String, String> settings, Path logFile) throws IOException {
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx768m", "-Dai.djl.offline=true",
                    "-cp", System.getProperty("java.class.path"),
                    PredictCommandMain.class.getName(),
                    "--metrics-port", Integer.toString(port)));
            for (Map.Entry<String, String> setting : settings.entrySet()) {
                if (setting.getKey().equals(ServiceConfig.BOOTSTRAP_SERVERS)) {
                    command.add("--bootstrap-servers=" + setting.getValue());
                } else {
                    command.add("--set");
                    command.add(setting.getKey() + "=" + setting.getValue());
                }
            }
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
            builder.environment().put("DJL_OFFLINE", "true");
            builder.environment().put("OPT_OUT_TRACKING", "true");
            return new ChildService(builder.start(), logFile, port);
        }

        HttpResponse<String> health() throws IOException, InterruptedException {
            return get("/health");
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            URI uri = URI.create("http://127.0.0.1:" + metricsPort + path);
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        /** Kills the JVM with SIGKILL: no shutdown hook, no commit, no leaving the group. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** Sends SIGTERM and returns the exit code. */
        int terminate() throws InterruptedException {
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "command stopped within 60 s of SIGTERM\n" + logTail());
            return process.exitValue();
        }

        String log() {
            try {
                return Files.readString(logFile);
            } catch (IOException e) {
                return "(log unreadable: " + e + ")";
            }
        }

        String logTail() {
            String text = log();
            return text.substring(Math.max(0, text.length() - 4000));
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                log.warn("Killing the predict command left running; its log:\n{}", logTail());
                kill();
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            }
        }
    }
}
