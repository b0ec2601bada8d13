package org.cortexprior.recordings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.cortexprior.cli.CliCommand;
import org.cortexprior.cli.ExitCodes;
import org.cortexprior.cli.KafkaOptions;
import org.cortexprior.cli.ProgressBar;
import org.cortexprior.cli.ServiceUnavailableException;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.LocalBroker;
import org.cortexprior.runtime.ServiceConfig;
import org.cortexprior.runtime.ServiceRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cortexprior replay --recording PATH [--sessions ID,...] [--speed FACTOR|max]
 * [--bootstrap-servers HOST:PORT]}: publishes each session's announcement, stimuli and trials (see
 * {@link SessionReplayer}). Without {@code --bootstrap-servers} it starts a local broker whose data
 * lives in {@code <state.dir>/broker}, so a second run finds what the first published and skips it.
 *
 * <p>A session with invalid files is reported (file and problem) and publishes nothing; the other
 * sessions still replay, and the command exits with code 3.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Publish recorded sessions to Kafka: announcement, stimuli, then trials in recording order. "
                + "Transactional; a restarted replay does not publish a session twice.")
public final class ReplayCommand implements CliCommand {

    private static final Logger log = LoggerFactory.getLogger(ReplayCommand.class);

    /** Configuration key: trials per batch, 0 for automatic (batches near 256 KiB). */
    public static final String BATCH_TRIALS = "replay.batch.trials";
    /** Configuration key: unpaced sessions published at once, default 2. */
    public static final String CONCURRENT_SESSIONS = "replay.concurrent.sessions";
    /** Configuration key: milliseconds between trials for formats without timestamps. */
    public static final String TRIAL_PERIOD_MS = "replay.trial.period.ms";

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--recording", required = true, paramLabel = "PATH",
            description = "Recording folder, zip or .npz (V4, Sensorium static, or generic layout).")
    Path recordingPath;

    @Option(names = "--sessions", split = ",", paramLabel = "ID",
            description = "Only these sessions (canonical id or session part such as 210325).")
    List<String> sessions = new ArrayList<>();

    @Option(names = "--speed", defaultValue = "max", paramLabel = "FACTOR|max",
            description = "Multiple of the recorded trial rate, or max for as fast as possible (default: ${DEFAULT-VALUE}).")
    String speed;

    @Option(names = "--batch-trials", paramLabel = "N",
            description = "Trials per published batch; 0 sizes batches near 256 KiB (config key " + BATCH_TRIALS + ", default 0).")
    Integer batchTrials;

    @Option(names = "--trial-period-ms", paramLabel = "MS",
            description = "Milliseconds between trials when the recording has no timestamps (config key "
                    + TRIAL_PERIOD_MS + ", default 500).")
    Long trialPeriodMs;

    @Option(names = "--concurrent-sessions", paramLabel = "N",
            description = "Unpaced sessions published at once, each in its own transaction (config key "
                    + CONCURRENT_SESSIONS + ", default 2). Paced replays publish one session at a time.")
    Integer concurrentSessions;

    @Override
    public Integer call() throws Exception {
        double factor = parseSpeed(speed);
        ServiceConfig config = kafka.load(Map.of(ServiceConfig.METRICS_PORT, "-1"));
        int trialsPerBatch = batchTrials != null ? batchTrials : config.getInt(BATCH_TRIALS, 0);
        long periodMs = trialPeriodMs != null ? trialPeriodMs : config.getLong(TRIAL_PERIOD_MS, 500);
        int concurrent = concurrentSessions != null ? concurrentSessions : config.getInt(CONCURRENT_SESSIONS, 2);
        if (concurrent < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new ReplayCommand()),
                    "Invalid value for --concurrent-sessions: " + concurrent + "; expected 1 or more");
        }

        LocalBroker broker = null;
        int failures = 0;
        try (Recording recording = Recording.open(recordingPath);
             ServiceRuntime runtime = ServiceRuntime.start("recordings", config)) {
            List<RecordedSession> chosen = select(recording);
            KafkaSettings settings;
            if (kafka.bootstrapServers() == null && config.get(ServiceConfig.BOOTSTRAP_SERVERS).isEmpty()) {
                Path dir = Path.of(config.getString(ServiceConfig.STATE_DIR, "cortexprior-state")).resolve("broker").toAbsolutePath();
                try {
                    broker = LocalBroker.builder().dataDir(dir).start();
                } catch (LocalBroker.PortInUseException e) {
                    throw new ServiceUnavailableException(e.getMessage(), e);
                }
                System.err.println("Started a local Kafka broker on " + broker.bootstrapServers() + " (data in " + dir + ")");
                settings = new KafkaSettings(broker.bootstrapServers(), config.withPrefix(KafkaSettings.PASS_THROUGH_PREFIX));
            } else {
                settings = config.kafka();
            }

            failures += replayAll(chosen, settings, factor, trialsPerBatch, periodMs, concurrent, runtime);
        } finally {
            if (broker != null) {
                broker.stop();
            }
        }
        return failures == 0 ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
    }

    /** Replays the chosen sessions with one progress bar over all their trials; returns how many were rejected. */
    private int replayAll(List<RecordedSession> chosen, KafkaSettings settings, double factor, int trialsPerBatch,
                          long periodMs, int concurrent, ServiceRuntime runtime) throws InterruptedException {
        List<RecordedSession> readable = new ArrayList<>();
        long total = 0;
        int failures = 0;
        for (RecordedSession session : chosen) {
            try {
                total += session.trialCount();
                readable.add(session);
            } catch (RecordingFormatException e) {
                System.err.println("Session " + session.sessionId() + " not published: " + e.getMessage());
                failures++;
            }
        }

        int[] rejected = {0};
        int[] skipped = {0};
        Map<String, Long> trialsBySession = new java.util.HashMap<>();
        for (RecordedSession session : readable) {
            trialsBySession.put(session.sessionId(), session.trialCount());
        }
        String label = readable.size() == 1 ? "replay " + readable.get(0).sessionId() : "replay " + readable.size() + " sessions";
        try (ProgressBar bar = ProgressBar.start(label, total, "trials");
             SessionReplayer replayer = SessionReplayer.builder(settings).trialsPerBatch(trialsPerBatch)
                     .speed(factor).trialPeriod(Duration.ofMillis(periodMs)).concurrentSessions(concurrent)
                     .source(recordingPath.toString()).registry(runtime.registry()).progress(bar::stepBy).build()) {
            replayer.replayAll(readable, new SessionReplayer.Listener() {
                @Override
                public void replayed(ReplayResult result) {
                    if (result.outcome() == ReplayResult.Outcome.SKIPPED) {
                        skipped[0]++;
                        bar.stepBy(trialsBySession.getOrDefault(result.sessionId(), 0L));
                        System.out.printf(Locale.ROOT, "%s: already published by an earlier replay; skipped%n",
                                result.sessionId());
                        return;
                    }
                    System.out.printf(Locale.ROOT, "%s: %s, %d trials in %d %s, %d images, %.1f MB, %.1f MB/s, %.0f trials/s%n",
                            result.sessionId(), result.outcome().name().toLowerCase(Locale.ROOT), result.trials(),
                            result.batches(), result.batches() == 1 ? "batch" : "batches", result.images(),
                            result.bytes() / 1e6, result.megabytesPerSecond(), result.trialsPerSecond());
                }

                @Override
                public void rejected(RecordedSession session, RecordingFormatException error) {
                    log.warn("Session {} not published: {}", session.sessionId(), error.getMessage());
                    System.err.println("Session " + session.sessionId() + " not published: " + error.getMessage());
                    rejected[0]++;
                }
            });
        }
        int sessions = chosen.size();
        System.out.printf(Locale.ROOT, "%d %s: %d published now, %d already published, %d rejected%n", sessions,
                sessions == 1 ? "session" : "sessions", sessions - skipped[0] - failures - rejected[0], skipped[0],
                failures + rejected[0]);
        return failures + rejected[0];
    }

    private List<RecordedSession> select(Recording recording) {
        try {
            return recording.select(sessions);
        } catch (IllegalArgumentException e) {
            throw new RecordingFormatException(e.getMessage(), e);
        }
    }

    static double parseSpeed(String text) {
        if (text.equalsIgnoreCase("max")) {
            return Double.POSITIVE_INFINITY;
        }
        try {
            double value = Double.parseDouble(text);
            if (value > 0 && Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // Reported below with the accepted forms.
        }
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new ReplayCommand()),
                "Invalid value for --speed: '" + text + "'; expected a positive number or max");
    }
}
