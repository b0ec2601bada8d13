package org.cortexprior.recordings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.cortexprior.avro.TrialBatch;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.recordings.internals.ReplayProgress;
import org.cortexprior.runtime.LogContext;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Publishes recorded sessions to Kafka: the {@link org.cortexprior.avro.SessionAnnouncement} on
 * {@link Topics#SESSIONS}, every stimulus on {@link Topics#STIMULI}, then the trials in recording
 * order as {@link TrialBatch}es on {@link Topics#TRIALS}.
 *
 * <p>Delivery: each session has its own transactional producer ({@code transactional.id} =
 * {@code cortexprior-replay-<sessionId>}, which also fences a second replay of the same session).
 * At unlimited speed the whole session is one transaction, so a session that fails half-way
 * (a truncated file, a NaN response) publishes nothing. A paced replay validates every trial and
 * image first, then commits the announcement and stimuli, and then each batch in its own
 * transaction so read_committed consumers see trials at the recorded pace. Every transaction also
 * writes the session's progress to {@link ReplayProgress#TOPIC} (compacted); a restarted replay
 * reads it, skips sessions already complete and resumes a paced session after its last committed
 * batch, so nothing is published twice.
 *
 * <p>Pacing: trials are sent at their recorded onsets ({@link RecordedTrial#startTimeUs()}) or at
 * {@link Builder#trialPeriod(Duration)} intervals, divided by the speed factor, one batch at a time.
 *
 * <p>Several sessions: {@link #replayAll(List, Listener)} publishes up to
 * {@link Builder#concurrentSessions(int)} unpaced sessions at once, each with its own producer and
 * transaction, so that one session's producer start and final flush overlap another's sending.
 * Records of different sessions then interleave on the shared topics; each session's own records
 * keep their order, because one producer sends them. Paced sessions replay one after another.
 *
 * <p>Metrics (on the registry given to the builder): {@code recordings.replay.trials},
 * {@code recordings.replay.images}, {@code recordings.replay.bytes} counters and
 * {@code recordings.replay.sessions} tagged with the outcome. Not thread-safe: call {@code replay}
 * and {@code replayAll} from one thread at a time. The progress callback may be called from
 * several threads.
 */
public final class SessionReplayer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SessionReplayer.class);

    /** Prefix of the per-session transactional id. */
    public static final String TRANSACTIONAL_ID_PREFIX = "cortexprior-replay-";

    private final KafkaSettings kafka;
    private final int trialsPerBatch;
    private final double speed;
    private final Duration trialPeriod;
    private final String source;
    private final LongConsumer progress;
    private final Duration transactionTimeout;
    private final MeterRegistry registry;
    private final AvroSerde<org.cortexprior.avro.SessionAnnouncement> announcements = CortexSerdes.sessionAnnouncement();
    private final AvroSerde<org.cortexprior.avro.StimulusImage> stimuli = CortexSerdes.stimulusImage();
    private final AvroSerde<TrialBatch> batches = CortexSerdes.trialBatch();
    private final int concurrentSessions;
    private final ReplayProgress progressStore;

    private SessionReplayer(Builder builder) {
        this.kafka = Objects.requireNonNull(builder.kafka, "kafka settings");
        this.trialsPerBatch = builder.trialsPerBatch;
        this.speed = builder.speed;
        this.trialPeriod = builder.trialPeriod;
        this.source = builder.source;
        this.progress = builder.progress;
        this.transactionTimeout = builder.transactionTimeout;
        this.registry = builder.registry;
        this.concurrentSessions = builder.concurrentSessions;
        try (Admin admin = Admin.create(kafka.admin())) {
            Topics.ensure(admin, builder.partitions, (short) 1);
            ReplayProgress.ensureTopic(admin);
        }
        this.progressStore = new ReplayProgress(kafka);
    }

    public static Builder builder(KafkaSettings kafka) {
        return new Builder(kafka);
    }

    /**
     * Replays one session, or skips it when an earlier replay committed all of it.
     *
     * @throws RecordingFormatException when the session's files are invalid; nothing of the session
     *     was published, or for a paced replay nothing beyond what validation allowed (none)
     * @throws KafkaException when the broker rejects the records; the open transaction is aborted
     */
    public ReplayResult replay(RecordedSession session) throws InterruptedException {
        long start = System.nanoTime();
        String sessionId = session.sessionId();
        try (LogContext ignored = LogContext.put(LogContext.SESSION, sessionId)) {
            session.validate();
            ReplayProgress.State previous;
            synchronized (progressStore) {
                previous = progressStore.read(sessionId);
            }
            if (previous != null && previous.complete()) {
                log.info("Skipping session: an earlier replay committed all {} batches", previous.batchCount());
                registry.counter("recordings.replay.sessions", "outcome", "skipped").increment();
                return new ReplayResult(sessionId, ReplayResult.Outcome.SKIPPED, 0, 0, 0, 0, System.nanoTime() - start);
            }
            int batchSize = previous != null ? previous.trialsPerBatch()
                    : trialsPerBatch > 0 ? trialsPerBatch : SessionRecords.defaultTrialsPerBatch(session.neuronCount());
            boolean paced = Double.isFinite(speed);
            if (paced) {
                validateAll(session);
            }
            ReplayResult result = publish(session, batchSize, paced, previous, start);
            registry.counter("recordings.replay.sessions", "outcome", result.outcome().name().toLowerCase()).increment();
            log.info("Session {}: {} trials in {} batches and {} images, {} MB in {} ms", result.outcome().name().toLowerCase(),
                    result.trials(), result.batches(), result.images(), String.format("%.1f", result.bytes() / 1e6),
                    result.nanos() / 1_000_000);
            return result;
        }
    }

    /** Receives the outcome of each session of {@link #replayAll(List, Listener)}, in the order given. */
    public interface Listener {

        /** The session was published, resumed or skipped. */
        void replayed(ReplayResult result);

        /** The session's files are invalid; nothing of it was published, and the other sessions go on. */
        void rejected(RecordedSession session, RecordingFormatException error);
    }

    /**
     * Replays sessions, overlapping up to {@link Builder#concurrentSessions(int)} unpaced sessions.
     * The listener hears about each session in the order given, on the calling thread. A session
     * with invalid files is reported to the listener, and the others continue. Any other failure
     * aborts the sessions still in flight and is thrown.
     *
     * @return the sessions that were replayed (not rejected), in the order given
     * @throws KafkaException when the broker rejects records; open transactions are aborted
     */
    public List<ReplayResult> replayAll(List<RecordedSession> sessions, Listener listener) throws InterruptedException {
        int threads = Double.isFinite(speed) ? 1 : Math.min(concurrentSessions, Math.max(1, sessions.size()));
        List<ReplayResult> results = new ArrayList<>();
        if (threads == 1) {
            for (RecordedSession session : sessions) {
                try {
                    ReplayResult result = replay(session);
                    results.add(result);
                    listener.replayed(result);
                } catch (RecordingFormatException e) {
                    listener.rejected(session, e);
                }
            }
            return results;
        }

        ExecutorService workers = Executors.newFixedThreadPool(threads, new ThreadFactory() {
            private final AtomicInteger count = new AtomicInteger();

            @Override
            public Thread newThread(Runnable task) {
                Thread thread = new Thread(task, "replay-session-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            }
        });
        try {
            List<Future<ReplayResult>> pending = new ArrayList<>();
            for (RecordedSession session : sessions) {
                pending.add(workers.submit(() -> replay(session)));
            }
            for (int i = 0; i < sessions.size(); i++) {
                try {
                    ReplayResult result = pending.get(i).get();
                    results.add(result);
                    listener.replayed(result);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RecordingFormatException invalid) {
                        listener.rejected(sessions.get(i), invalid);
                    } else if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    } else if (e.getCause() instanceof InterruptedException interrupted) {
                        throw interrupted;
                    } else {
                        throw new IllegalStateException("Replay of session " + sessions.get(i).sessionId() + " failed", e.getCause());
                    }
                }
            }
            return results;
        } finally {
            // Interrupting sessions still in flight (after a failure) makes each abort its transaction.
            workers.shutdownNow();
            workers.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    private void validateAll(RecordedSession session) {
        for (long t = 0; t < session.trialCount(); t++) {
            session.trial(t);
        }
        for (int i = 0; i < session.imageCount(); i++) {
            session.stimulus(i);
        }
    }

    private ReplayResult publish(RecordedSession session, int batchSize, boolean paced,
                                 ReplayProgress.State previous, long start) throws InterruptedException {
        String sessionId = session.sessionId();
        long batchCount = SessionRecords.batchCount(session, batchSize);
        java.util.Properties props = kafka.producer(TRANSACTIONAL_ID_PREFIX + sessionId);
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(transactionTimeout.toMillis()));
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1024 * 1024));
        Counter trialCounter = registry.counter("recordings.replay.trials");
        Counter imageCounter = registry.counter("recordings.replay.images");
        Counter byteCounter = registry.counter("recordings.replay.bytes");
        long trials = 0;
        long images = 0;
        long bytes = 0;
        long batchesSent = 0;

        try (Producer<String, byte[]> producer = new KafkaProducer<>(props);
             org.cortexprior.runtime.KafkaMetricsBinding ignored =
                     org.cortexprior.runtime.KafkaMetricsBinding.bind(registry, producer)) {
            producer.initTransactions();
            try {
                long firstBatch = 0;
                producer.beginTransaction();
                if (previous == null) {
                    long now = System.currentTimeMillis();
                    bytes += send(producer, Topics.SESSIONS, sessionId,
                            announcements.serialize(Topics.SESSIONS, SessionRecords.announcement(session, source, now)));
                    // Images are decoded and encoded ahead on a worker pool (decoding JPEG dominates replay
                    // of image recordings) and sent in recording order from this thread.
                    try (StimulusPrefetch prefetch = new StimulusPrefetch(session, stimuli)) {
                        for (int i = 0; i < session.imageCount(); i++) {
                            StimulusPrefetch.Encoded encoded = prefetch.next();
                            bytes += send(producer, Topics.STIMULI, encoded.imageId(), encoded.value());
                            images++;
                        }
                    }
                    imageCounter.increment(images);
                    if (paced) {
                        progressStore.write(producer, sessionId, new ReplayProgress.State(batchSize, batchCount, -1));
                        producer.commitTransaction();
                        producer.beginTransaction();
                    }
                } else {
                    firstBatch = previous.lastCommittedBatch() + 1;
                    log.info("Resuming after batch {} of {} committed by an earlier replay", previous.lastCommittedBatch(), batchCount);
                }

                Iterator<TrialBatch> iterator = SessionRecords.trialBatches(session, batchSize);
                long skipped = 0;
                long startNanos = System.nanoTime();
                Long firstOnsetUs = null;
                while (iterator.hasNext()) {
                    if (skipped < firstBatch) {
                        // Batch boundaries repeat exactly because the stored batch size is reused.
                        iterator.next();
                        skipped++;
                        continue;
                    }
                    TrialBatch batch = iterator.next();
                    if (paced) {
                        long onsetUs = onsetUs(batch);
                        if (firstOnsetUs == null) {
                            firstOnsetUs = onsetUs;
                        }
                        sleepUntil(startNanos + (long) ((onsetUs - firstOnsetUs) * 1000 / speed));
                    }
                    bytes += send(producer, Topics.TRIALS, sessionId, batches.serialize(Topics.TRIALS, batch));
                    trials += batch.getTrials().size();
                    batchesSent++;
                    trialCounter.increment(batch.getTrials().size());
                    if (progress != null) {
                        progress.accept(batch.getTrials().size());
                    }
                    if (paced) {
                        progressStore.write(producer, sessionId,
                                new ReplayProgress.State(batchSize, batchCount, batch.getBatchIndex()));
                        producer.commitTransaction();
                        if (iterator.hasNext()) {
                            producer.beginTransaction();
                        }
                    }
                }
                if (!paced) {
                    progressStore.write(producer, sessionId, new ReplayProgress.State(batchSize, batchCount, batchCount - 1));
                    producer.commitTransaction();
                }
            } catch (RuntimeException | InterruptedException e) {
                log.warn("Aborting the open transaction of session {}: {}", sessionId, e.getMessage());
                try {
                    producer.abortTransaction();
                } catch (KafkaException abortFailure) {
                    log.warn("Failed to abort the transaction of session {}; the broker aborts it after the timeout: {}",
                            sessionId, abortFailure.getMessage());
                }
                throw e;
            }
        }
        byteCounter.increment(bytes);
        return new ReplayResult(sessionId, previous == null ? ReplayResult.Outcome.PUBLISHED : ReplayResult.Outcome.RESUMED,
                trials, batchesSent, images, bytes, System.nanoTime() - start);
    }

    private long onsetUs(TrialBatch batch) {
        org.cortexprior.avro.Trial first = batch.getTrials().get(0);
        if (first.getStartTimeUs() != null) {
            return first.getStartTimeUs();
        }
        return first.getTrialId() * trialPeriod.toNanos() / 1000;
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining > 0) {
            Thread.sleep(remaining / 1_000_000, (int) (remaining % 1_000_000));
        }
    }

    private static long send(Producer<String, byte[]> producer, String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
        return key.length() + value.length;
    }

    @Override
    public void close() {
        progressStore.close();
    }

    /** Configures a {@link SessionReplayer}. */
    public static final class Builder {
        private final KafkaSettings kafka;
        private int trialsPerBatch;
        private double speed = Double.POSITIVE_INFINITY;
        private Duration trialPeriod = Duration.ofMillis(500);
        private String source = "";
        private LongConsumer progress;
        private Duration transactionTimeout = Duration.ofMinutes(15);
        private MeterRegistry registry = new SimpleMeterRegistry();
        private int partitions = 4;
        private int concurrentSessions = 2;

        private Builder(KafkaSettings kafka) {
            this.kafka = kafka;
        }

        /** Trials per {@link TrialBatch}; 0 (the default) sizes batches near 256 KiB. */
        public Builder trialsPerBatch(int trialsPerBatch) {
            if (trialsPerBatch < 0) {
                throw new IllegalArgumentException("trials per batch must be 0 (automatic) or positive, not " + trialsPerBatch);
            }
            this.trialsPerBatch = trialsPerBatch;
            return this;
        }

        /**
         * Pace as a multiple of the recorded rate: 1 replays in real time, 10 ten times faster;
         * {@link Double#POSITIVE_INFINITY} (the default) sends as fast as the broker accepts.
         */
        public Builder speed(double speed) {
            if (!(speed > 0)) {
                throw new IllegalArgumentException("speed must be positive, not " + speed);
            }
            this.speed = speed;
            return this;
        }

        /** Interval between trials for formats without trial timestamps; default 500 ms. */
        public Builder trialPeriod(Duration trialPeriod) {
            this.trialPeriod = trialPeriod;
            return this;
        }

        /** Recording source written into each announcement (a path, DOI or data set name). */
        public Builder source(String source) {
            this.source = source;
            return this;
        }

        /**
         * Called with the number of trials after each batch is sent (for a progress bar); from
         * several threads when sessions replay concurrently.
         */
        public Builder progress(LongConsumer progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Producer {@code transaction.timeout.ms}; default 15 minutes, the broker's default
         * {@code transaction.max.timeout.ms}. An unpaced session must be published within it.
         */
        public Builder transactionTimeout(Duration transactionTimeout) {
            this.transactionTimeout = transactionTimeout;
            return this;
        }

        public Builder registry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /**
         * Unpaced sessions that {@link SessionReplayer#replayAll(List, Listener)} publishes at once;
         * default 2, which hides one session's producer start and final flush behind another's
         * sending. Each session in flight has its own producer buffer (32 MiB by default).
         */
        public Builder concurrentSessions(int concurrentSessions) {
            if (concurrentSessions < 1) {
                throw new IllegalArgumentException("concurrent sessions must be at least 1, not " + concurrentSessions);
            }
            this.concurrentSessions = concurrentSessions;
            return this;
        }

        /** Partitions of the shared topics when this replayer has to create them; default 4. */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /** Creates the replayer, creating missing topics. */
        public SessionReplayer build() {
            return new SessionReplayer(this);
        }
    }
}
