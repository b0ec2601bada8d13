package org.cortexprior.evaluator;

import picocli.CommandLine.Option;

/**
 * Command-line options that set {@link EvaluationSettings}; shared by {@code evaluate} and
 * {@code experiment}. Options left out keep the value of {@link EvaluationSettings#defaults()}, or
 * of {@link EvaluationSettings#smoke()} with {@code --smoke}.
 */
public final class EvaluationOptions {

    @Option(names = "--smoke", description = "Use the cheap evaluation setting for smoke tests and CI: 20 attacked images, "
            + "5 PGD steps, 5 bisection steps, 200 noise images, 50 hybrid pairs.")
    boolean smoke;

    @Option(names = "--attack-images", paramLabel = "N",
            description = "Correctly classified test images attacked per norm; the median is over these (default 1000, 0 skips the attacks).")
    Integer attackImages;

    @Option(names = "--pgd-steps", paramLabel = "N", description = "Gradient steps per PGD attack at a fixed epsilon (default 20).")
    Integer pgdSteps;

    @Option(names = "--bisection-steps", paramLabel = "N", description = "Halvings of the epsilon interval per image (default 10).")
    Integer bisectionSteps;

    @Option(names = "--deepfool-iterations", paramLabel = "N", description = "Maximum DeepFool iterations (default 50).")
    Integer deepFoolIterations;

    @Option(names = "--noise-sigmas", paramLabel = "S,S,...", split = ",",
            description = "Noise standard deviations in pixel units of [0, 1] (default 0 to 0.1 in steps of 0.01, 0.15, 0.2, 0.3).")
    double[] noiseSigmas;

    @Option(names = "--noise-repetitions", paramLabel = "N", description = "Noise draws per image and sigma (default 2).")
    Integer noiseRepetitions;

    @Option(names = "--noise-images", paramLabel = "N", description = "Test images for the noise curve, 0 for all (default 0).")
    Integer noiseImages;

    @Option(names = "--hybrid-pairs", paramLabel = "N", description = "Hybrid images classified, 0 skips the test (default 500).")
    Integer hybridPairs;

    @Option(names = "--eval-seed", paramLabel = "N", description = "Seed of the noise draws, the attacked images and the hybrid pairs (default 20190).")
    Long seed;

    @Option(names = "--eval-batch-size", paramLabel = "N", description = "Images per forward pass during evaluation (default 100).")
    Integer batchSize;

    /** Returns the settings these options select. */
    public EvaluationSettings settings() {
        EvaluationSettings.Builder builder = (smoke ? EvaluationSettings.smoke() : EvaluationSettings.defaults()).toBuilder();
        if (attackImages != null) {
            builder.attackImages(attackImages);
        }
        if (pgdSteps != null) {
            builder.pgdSteps(pgdSteps);
        }
        if (bisectionSteps != null) {
            builder.bisectionSteps(bisectionSteps);
        }
        if (deepFoolIterations != null) {
            builder.deepFoolIterations(deepFoolIterations);
        }
        if (noiseSigmas != null) {
            double[] sorted = noiseSigmas.clone();
            java.util.Arrays.sort(sorted);
            builder.noiseSigmas(sorted);
        }
        if (noiseRepetitions != null) {
            builder.noiseRepetitions(noiseRepetitions);
        }
        if (noiseImages != null) {
            builder.noiseImages(noiseImages);
        }
        if (hybridPairs != null) {
            builder.hybridPairs(hybridPairs);
        }
        if (seed != null) {
            builder.seed(seed);
        }
        if (batchSize != null) {
            builder.batchSize(batchSize);
        }
        return builder.build();
    }
}
