package org.cortexprior.trainer.internals;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The trainer's Micrometer meters. Names (the runtime adds the {@code cortexprior.} prefix):
 * <ul>
 *   <li>{@code trainer.loss} (tag {@code term}: cross_entropy, similarity, total): latest step's loss terms
 *   <li>{@code trainer.tap.weight} (tag {@code tap}: 0..4): softmax(gamma)
 *   <li>{@code trainer.accuracy} (tag {@code split}: train, validation, test): fraction correct
 *   <li>{@code trainer.throughput}: images per second through the network during training steps
 *   <li>{@code trainer.learning.rate}, {@code trainer.epoch}
 *   <li>{@code trainer.steps}: counter of completed steps
 *   <li>{@code trainer.matrix.version} and {@code trainer.matrix.coverage} (tag {@code matrix})
 * </ul>
 * All meters carry the tag {@code run}. Thread-safe.
 */
public final class TrainerMetrics {

    private final MeterRegistry registry;
    private final String runId;
    private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();
    private final Counter steps;

    public TrainerMetrics(MeterRegistry registry, String runId) {
        this.registry = registry;
        this.runId = runId;
        this.steps = Counter.builder("trainer.steps").tag("run", runId).description("Training steps completed")
                .register(registry);
    }

    private void set(String name, String tagKey, String tagValue, String unit, double value) {
        String key = name + "|" + tagKey + "|" + tagValue;
        values.computeIfAbsent(key, k -> {
            AtomicLong holder = new AtomicLong(Double.doubleToLongBits(Double.NaN));
            Gauge.Builder<AtomicLong> builder = Gauge.builder(name, holder, h -> Double.longBitsToDouble(h.get())).tag("run", runId);
            if (tagKey != null) {
                builder.tag(tagKey, tagValue);
            }
            if (unit != null) {
                builder.baseUnit(unit);
            }
            builder.register(registry);
            return holder;
        }).set(Double.doubleToLongBits(value));
    }

    public void step(double crossEntropy, double similarity, double total, double learningRate, int epoch) {
        set("trainer.loss", "term", "cross_entropy", null, crossEntropy);
        set("trainer.loss", "term", "similarity", null, similarity);
        set("trainer.loss", "term", "total", null, total);
        set("trainer.learning.rate", null, null, null, learningRate);
        set("trainer.epoch", null, null, null, epoch);
        steps.increment();
    }

    public void tapWeights(float[] weights) {
        for (int k = 0; k < weights.length; k++) {
            set("trainer.tap.weight", "tap", Integer.toString(k), null, weights[k]);
        }
    }

    public void accuracy(String split, double accuracy) {
        set("trainer.accuracy", "split", split, null, accuracy);
    }

    public void throughput(double imagesPerSecond) {
        set("trainer.throughput", null, null, "images/s", imagesPerSecond);
    }

    public void matrices(Map<String, Long> versions, Map<String, Double> coverage) {
        versions.forEach((id, v) -> set("trainer.matrix.version", "matrix", id, null, v));
        coverage.forEach((id, c) -> set("trainer.matrix.coverage", "matrix", id, null, c));
    }
}
