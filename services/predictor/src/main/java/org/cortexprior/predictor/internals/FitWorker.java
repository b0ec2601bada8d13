package org.cortexprior.predictor.internals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.cortexprior.avro.AppliedPredictions;
import org.cortexprior.avro.SessionPredictions;
import org.cortexprior.avro.SessionProgress;
import org.cortexprior.avro.TrialBatch;
import org.cortexprior.predictor.PredictorConfig;
import org.cortexprior.runtime.LogContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits session models off the stream threads. Each round it compares, per session and matrix, the
 * generation the stores ask for (fit epoch and image-set size) with the generation the aggregation
 * has applied, fits where they differ, and publishes the centred, weighted responses in one
 * transaction per session.
 *
 * <p>Restart safety: all its inputs live in changelogged state stores, so after a restart it
 * recomputes what is missing; a generation published twice is dropped by the aggregation, which
 * applies each generation once.
 *
 * <p>Runs on its own thread; {@link #runOnce()} may also be called directly (tests, batch runs).
 */
public final class FitWorker implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FitWorker.class);

    /** Receives one session's chunks; must publish them atomically. */
    @FunctionalInterface
    public interface PredictionSink {
        void publish(List<SessionPredictions> chunks);
    }

    private final PredictorConfig config;
    private final PredictorStores stores;
    private final ModelFitter fitter;
    private final PredictionSink sink;
    private final PredictorMetrics metrics;
    private final Map<String, Long> published = new ConcurrentHashMap<>();
    private final Map<String, CachedFit> fits = new HashMap<>();
    private final Map<String, String> lastWait = new HashMap<>();
    private volatile boolean running = true;
    private volatile Throwable lastFailure;

    private record CachedFit(int epoch, SessionFit fit) {
    }

    public FitWorker(PredictorConfig config, PredictorStores stores, ModelFitter fitter, PredictionSink sink,
                     PredictorMetrics metrics) {
        this.config = config;
        this.stores = stores;
        this.fitter = fitter;
        this.sink = sink;
        this.metrics = metrics;
    }

    @Override
    public void run() {
        LogContext.setService("predictor");
        while (running) {
            try {
                runOnce();
                lastFailure = null;
            } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                log.debug("[predictor] Stores not queryable yet: {}", e.getMessage());
            } catch (RuntimeException e) {
                if (lastFailure == null || !String.valueOf(lastFailure.getMessage()).equals(e.getMessage())) {
                    log.warn("[predictor] Fit round failed; retrying in {} ms: {}", config.workerIntervalMs(), e.toString());
                }
                lastFailure = e;
            }
            try {
                Thread.sleep(config.workerIntervalMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Returns the last failure of a fit round, or null after a successful round. */
    public Throwable lastFailure() {
        return lastFailure;
    }

    /** Performs one reconciliation round; returns the number of sessions it published. */
    public int runOnce() {
        int publishedSessions = 0;
        for (Map.Entry<String, SessionProgress> entry : stores.sessions().entrySet()) {
            SessionProgress progress = entry.getValue();
            if (!running) {
                break;
            }
            if (progress.getRequestedEpoch() > 0 && reconcile(entry.getKey(), progress)) {
                publishedSessions++;
            }
        }
        return publishedSessions;
    }

    private boolean reconcile(String sessionId, SessionProgress progress) {
        List<MatrixPlan> plans = MatrixPlan.forSession(config.imageSetMode(), progress.getAnnouncement(), stores);
        List<MatrixPlan> due = new ArrayList<>();
        for (MatrixPlan plan : plans) {
            if (!plan.ready(progress.getAnnouncement())) {
                waiting(sessionId, "image set " + plan.imageSetId() + " does not contain the session's images yet");
                return false;
            }
            long generation = StoreNames.generation(progress.getRequestedEpoch(), plan.imageIds().size());
            AppliedPredictions applied = stores.applied(plan.matrixId(), sessionId);
            String key = StoreNames.matrixSessionKey(plan.matrixId(), sessionId);
            boolean done = applied != null && applied.getGeneration() >= generation;
            boolean pending = published.getOrDefault(key, -1L) >= generation;
            if (!done && !pending) {
                due.add(plan);
            }
        }
        if (due.isEmpty()) {
            return false;
        }
        for (MatrixPlan plan : due) {
            for (String id : plan.raw() ? List.<String>of() : plan.imageIds()) {
                if (stores.stimulus(id) == null) {
                    waiting(sessionId, "stimulus image " + id + " has not arrived");
                    return false;
                }
            }
        }
        lastWait.remove(sessionId);

        try (LogContext ignored = LogContext.put(LogContext.SESSION, sessionId);
             LogContext task = LogContext.put(LogContext.TASK, "fit")) {
            List<TrialBatch> batches = stores.trialBatches(sessionId);
            int epoch = progress.getRequestedEpoch();
            List<SessionPredictions> chunks = new ArrayList<>();
            for (MatrixPlan plan : due) {
                long generation = StoreNames.generation(epoch, plan.imageIds().size());
                if (plan.raw()) {
                    float[] values = SessionFit.rawResponses(progress.getAnnouncement(), batches, plan.imageIds());
                    chunks.addAll(chunk(sessionId, plan, generation, values, progress.getAnnouncement().getNeurons().size(),
                            progress.getAnnouncement().getNeurons().size(), 0.0));
                } else {
                    SessionFit fit = fitFor(sessionId, epoch, progress, batches);
                    float[] values = fit.neuralResponses(plan.imageIds(), stores::stimulus);
                    chunks.addAll(chunk(sessionId, plan, generation, values, fit.neuronCount(),
                            fit.contributingNeurons(), fit.medianCorrelation()));
                }
            }
            sink.publish(chunks);
            for (MatrixPlan plan : due) {
                published.put(StoreNames.matrixSessionKey(plan.matrixId(), sessionId),
                        StoreNames.generation(epoch, plan.imageIds().size()));
            }
            log.info("Published epoch {} for {} matrices in {} chunks", epoch, due.size(), chunks.size());
            return true;
        }
    }

    private SessionFit fitFor(String sessionId, int epoch, SessionProgress progress, List<TrialBatch> batches) {
        CachedFit cached = fits.get(sessionId);
        if (cached != null && cached.epoch() == epoch) {
            return cached.fit();
        }
        long start = System.nanoTime();
        int trials = batches.stream().mapToInt(b -> b.getTrials().size()).sum();
        log.info("Fitting {} model on {} trials (epoch {})", fitter.name(), trials, epoch);
        SessionFit fit = SessionFit.fit(progress.getAnnouncement(), batches, stores::stimulus, fitter,
                config.inputSize(), config.seed(), config.minCorrelation());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        metrics.fitDuration(fitter.name(), took);
        metrics.validationCorrelation(sessionId, fit.medianCorrelation());
        log.info("Fitted in {} ms: median held-out r {}, {} of {} neurons contribute", took.toMillis(),
                String.format("%.3f", fit.medianCorrelation()), fit.contributingNeurons(), fit.neuronCount());
        fits.put(sessionId, new CachedFit(epoch, fit));
        return fit;
    }

    private List<SessionPredictions> chunk(String sessionId, MatrixPlan plan, long generation, float[] values, int neurons,
                                           int contributing, double correlation) {
        int images = plan.imageIds().size();
        int tileSize = config.tileSize();
        int chunks = GramMath.tileCount(images, tileSize);
        long now = System.currentTimeMillis();
        List<SessionPredictions> result = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            int rows = GramMath.tileEdge(images, tileSize, c);
            float[] part = java.util.Arrays.copyOfRange(values, c * tileSize * neurons, (c * tileSize + rows) * neurons);
            result.add(SessionPredictions.newBuilder().setSessionId(sessionId).setMatrixId(plan.matrixId())
                    .setImageSetId(plan.imageSetId()).setGeneration(generation).setImageCount(images)
                    .setTileSize(tileSize).setChunk(c).setChunkCount(chunks).setNeuronCount(neurons)
                    .setContributingNeurons(contributing).setValues(LittleEndian.floats(part))
                    .setValidationCorrelation(Double.isFinite(correlation) ? correlation : 0.0)
                    .setCreatedAtMs(now).build());
        }
        return result;
    }

    private void waiting(String sessionId, String why) {
        if (!why.equals(lastWait.put(sessionId, why))) {
            log.info("[predictor session={}] Fit waits: {}", sessionId, why);
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
