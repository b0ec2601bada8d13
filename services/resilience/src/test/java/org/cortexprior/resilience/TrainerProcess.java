package org.cortexprior.resilience;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import org.cortexprior.trainer.Profile;
import org.cortexprior.trainer.SimilarityTarget;
import org.cortexprior.trainer.TrainerConfig;
import org.cortexprior.trainer.TrainingListener;
import org.cortexprior.trainer.TrainingRun;
import org.cortexprior.trainer.TrainingSummary;

import ai.djl.Device;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Runs a smoke-sized {@link TrainingRun} in a child JVM: arguments are the image folder and the
 * output directory, which contains the checkpoint a later run resumes from. Prints one line per
 * training step, {@code step=<n> epoch=<e> lr=<rate> ce=<loss> sim=<loss>}, with the step count
 * after the step and the learning rate the step used, then {@value #FINISHED} and the step total.
 */
public final class TrainerProcess {

    static final String FINISHED = "trainer-process: finished steps=";
    static final String STEP_PREFIX = "step=";

    /** Overrides of the smoke profile: 16x16 images, batches of 8, 2 epochs, a checkpoint every 2 steps. */
    static final Map<String, String> OVERRIDES = Map.of("image-size", "16", "stimulus-resolution", "16",
            "batch-size", "8", "pairs-per-step", "4", "epochs", "2", "width-multiplier", "0.0625",
            "checkpoint-every-steps", "2", "validation-fraction", "0.05", "pixel-threshold", "0.3");

    private TrainerProcess() {
    }

    public static void main(String[] args) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void step(long globalStep, double crossEntropy, double similarityLoss) {
                // The loop sets these gauges for the step just taken, before it calls the listener.
                System.out.println(String.format(Locale.ROOT, "%s%d epoch=%d lr=%.9e ce=%.9e sim=%.9e", STEP_PREFIX,
                        globalStep, (long) gauge(registry, "trainer.epoch"), gauge(registry, "trainer.learning.rate"),
                        crossEntropy, similarityLoss));
            }
        };
        TrainerConfig config = TrainerConfig.builder()
                .images(Path.of(args[0]))
                .target(SimilarityTarget.PIXEL_THRESHOLD)
                .profile(Profile.SMOKE)
                .overrides(OVERRIDES)
                .seed(11)
                .outputDir(Path.of(args[1]))
                .device(Device.cpu())
                .meterRegistry(registry)
                .listener(listener)
                .build();
        TrainingSummary summary = TrainingRun.run(config);
        System.out.println(FINISHED + summary.steps());
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        Gauge gauge = registry.find(name).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }
}
