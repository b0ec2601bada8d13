package org.cortexprior.predictor.internals;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The predictor's meters. Names are given without the {@code cortexprior.} prefix, which the
 * service registry adds:
 *
 * <ul>
 *   <li>{@code predictor.trials.buffered} (gauge, tag session): trials held for the next fit;
 *   <li>{@code predictor.trials.duplicate} (counter): trial batches dropped as already applied;
 *   <li>{@code predictor.dead.letters} (counter, tag reason): records sent to the dead-letter topic;
 *   <li>{@code predictor.fit.duration} (timer, tag model): one fit and prediction of one session;
 *   <li>{@code predictor.validation.correlation} (gauge, tag session): median held-out r of the latest fit;
 *   <li>{@code predictor.tiles.emitted} (counter, tag matrix): similarity tiles published;
 *   <li>{@code predictor.tile.delay} (timer): from a contribution's creation to its tile's publication.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class PredictorMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> buffered = new ConcurrentHashMap<>();
    private final Map<String, double[]> correlations = new ConcurrentHashMap<>();
    private final Timer tileDelay;
    private final Counter duplicates;

    public PredictorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.tileDelay = Timer.builder("predictor.tile.delay")
                .description("Delay from a Gram contribution's creation to the publication of its tile")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.duplicates = Counter.builder("predictor.trials.duplicate")
                .description("Trial batches dropped because their batchIndex was already applied").register(registry);
    }

    /** Returns metrics backed by a private in-memory registry, for tests and batch tools. */
    public static PredictorMetrics standalone() {
        return new PredictorMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void trialsBuffered(String sessionId, long trials) {
        buffered.computeIfAbsent(sessionId, id -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("predictor.trials.buffered", value, AtomicLong::get).tag("session", id)
                    .description("Trials buffered for the session's next fit").register(registry);
            return value;
        }).set(trials);
    }

    public void duplicateBatch() {
        duplicates.increment();
    }

    public void deadLetter(String reason) {
        Counter.builder("predictor.dead.letters").tag("reason", reason)
                .description("Records routed to the dead-letter topic").register(registry).increment();
    }

    public double deadLetters(String reason) {
        Counter counter = registry.find("predictor.dead.letters").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    public void fitDuration(String model, Duration duration) {
        Timer.builder("predictor.fit.duration").tag("model", model)
                .description("Duration of fitting and predicting one session").register(registry).record(duration);
    }

    public void validationCorrelation(String sessionId, double r) {
        correlations.computeIfAbsent(sessionId, id -> {
            double[] holder = new double[1];
            Gauge.builder("predictor.validation.correlation", holder, h -> h[0]).tag("session", id)
                    .description("Median held-out prediction correlation of the session's latest fit").register(registry);
            return holder;
        })[0] = r;
    }

    public void tileEmitted(String matrixId, long createdAtMs) {
        Counter.builder("predictor.tiles.emitted").tag("matrix", matrixId)
                .description("Similarity tiles published").register(registry).increment();
        if (createdAtMs > 0) {
            tileDelay.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - createdAtMs)));
        }
    }

    public double tilesEmitted(String matrixId) {
        Counter counter = registry.find("predictor.tiles.emitted").tag("matrix", matrixId).counter();
        return counter == null ? 0 : counter.count();
    }
}
