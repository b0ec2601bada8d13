package org.cortexprior.recordings;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.LocalBroker;

/**
 * Replay throughput against Kafka's own producer benchmark ({@code ProducerPerformance} from
 * kafka-tools 4.4.0) on the same fresh local broker, with the same number of records of the replay's
 * mean record size and the same producer settings (idempotent, acks=all, linger 5 ms, 1 MiB batches,
 * transactional).
 *
 * <p>Both sides meet a warm broker: before either is timed, two ProducerPerformance runs of the
 * same size write to a separate topic, so the broker's JIT warm-up counts against neither. The
 * reference then runs once before and once after the replay, and the replay is compared with the
 * mean of the two. Each side still starts its own JVM work cold (the replay in this JVM, the
 * reference in a fresh one).
 *
 * <p>Run through {@code bench/replay.bench}; argument: the V4 recording folder. Prints lines in the
 * form {@code <figure>: <value> <unit>; reference <name>: <value> <unit>; ratio <r> (target >= 0.80)}.
 * Replay throughput includes reading the files, decoding the JPEG stimuli and starting one
 * transactional producer per session.
 */
public final class ReplayBenchmark {

    private static final Pattern PERF_SUMMARY = Pattern.compile(
            "(\\d+) records sent, ([0-9.]+) records/sec \\(([0-9.]+) MB/sec\\)");

    private ReplayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path recordingPath = Path.of(args.length > 0 ? args[0] : "../shared/data/v4-cowley2023");
        Path dir = Files.createTempDirectory("cortexprior-replay-bench-");
        try {
            run(recordingPath, dir);
        } finally {
            // The broker's log contains every record written: about 1.5 GB for the V4 recording.
            try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static void run(Path recordingPath, Path dir) throws Exception {
        try (LocalBroker broker = LocalBroker.builder().dataDir(dir).start();
             Recording recording = Recording.open(recordingPath)) {
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
            long expectedBytes = 0;
            long expectedRecords = 0;
            for (RecordedSession session : recording.sessions()) {
                expectedRecords += session.imageCount() + session.trialCount() / 100 + 2;
                expectedBytes += (long) session.imageCount() * 40_000;
            }
            for (int pass = 0; pass < 2; pass++) {
                producerPerformance(broker.bootstrapServers(), "bench-broker-warm-up", expectedRecords,
                        (int) (expectedBytes / expectedRecords));
            }
            double[] before = producerPerformance(broker.bootstrapServers(), "bench-perf-reference",
                    expectedRecords, (int) (expectedBytes / expectedRecords));

            long bytes = 0;
            long records = 0;
            long trials = 0;
            long start;
            // The clock starts once the replayer has its topics and progress consumer, as
            // ProducerPerformance starts its clock once its producer is connected.
            try (SessionReplayer replayer = SessionReplayer.builder(kafka).source(recordingPath.toString()).build()) {
                start = System.nanoTime();
                List<ReplayResult> results = replayer.replayAll(recording.sessions(), new SessionReplayer.Listener() {
                    @Override
                    public void replayed(ReplayResult result) {
                    }

                    @Override
                    public void rejected(RecordedSession session, RecordingFormatException error) {
                        throw error;
                    }
                });
                for (ReplayResult result : results) {
                    bytes += result.bytes();
                    trials += result.trials();
                    records += result.images() + result.batches() + 2;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double replayMbPerSecond = bytes / 1e6 / seconds;
            double replayTrialsPerSecond = trials / seconds;
            int recordSize = (int) (bytes / records);

            double[] after = producerPerformance(broker.bootstrapServers(), "bench-perf-reference", records, recordSize);
            double beforeMb = before[1] * (expectedBytes / expectedRecords) / 1e6;
            double afterMb = after[1] * recordSize / 1e6;
            double referenceMb = (beforeMb + afterMb) / 2;
            double referenceTrials = referenceMb * 1e6 / recordSize * trials / records;
            System.out.printf(Locale.ROOT, "# %d records, mean %d bytes, %d trials, replay %.1f s%n", records, recordSize, trials, seconds);
            System.out.printf(Locale.ROOT, "# reference before the replay %.1f MB/s, after it %.1f MB/s%n", beforeMb, afterMb);
            System.out.printf(Locale.ROOT,
                    "replay throughput: %.1f MB/s; reference kafka-producer-perf-test: %.1f MB/s; ratio %.2f (target >= 0.80)%n",
                    replayMbPerSecond, referenceMb, replayMbPerSecond / referenceMb);
            System.out.printf(Locale.ROOT,
                    "replay trial rate: %.0f trials/s; reference kafka-producer-perf-test: %.0f trials/s; ratio %.2f (target >= 0.80)%n",
                    replayTrialsPerSecond, referenceTrials, replayTrialsPerSecond / referenceTrials);
        }
    }

    /** Runs ProducerPerformance in a child JVM; returns {records sent, records per second}. */
    private static double[] producerPerformance(String bootstrap, String topic, long records, int recordSize) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "org.apache.kafka.tools.ProducerPerformance", "--topic", topic,
                "--num-records", Long.toString(records), "--record-size", Integer.toString(recordSize),
                "--throughput", "-1", "--transactional-id", topic, "--transaction-duration-ms", "600000",
                "--command-property", "bootstrap.servers=" + bootstrap, "acks=all", "enable.idempotence=true",
                "linger.ms=5", "batch.size=1048576", "max.request.size=16777216"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        double[] result = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                output.append(line).append('\n');
                Matcher matcher = PERF_SUMMARY.matcher(line);
                if (matcher.find()) {
                    result = new double[] {Double.parseDouble(matcher.group(1)), Double.parseDouble(matcher.group(2))};
                }
            }
        }
        int exit = process.waitFor();
        if (result == null || exit != 0) {
            throw new IllegalStateException("ProducerPerformance failed (exit " + exit + "): " + output);
        }
        return result;
    }
}
