package org.cortexprior.evaluator;

import java.util.List;

/**
 * Measurements of one classifier by {@link RobustnessEvaluator}. Immutable; serialises to JSON with
 * Jackson as it is.
 *
 * @param testImages     images in the test set
 * @param correctImages  test images classified correctly without noise
 * @param cleanAccuracy  fraction of test images classified correctly, in [0, 1]
 * @param noise          accuracy under additive Gaussian noise, one entry per sigma in ascending order
 * @param linf           minimal L-inf perturbations, or null when the attacks were skipped
 * @param l2             minimal L2 perturbations, or null when the attacks were skipped
 * @param hybrid         the hybrid-image test, or null when it was skipped
 * @param settings       the settings used
 */
public record RobustnessResult(
        int testImages,
        int correctImages,
        double cleanAccuracy,
        List<NoiseLevel> noise,
        PerturbationStats linf,
        PerturbationStats l2,
        HybridResult hybrid,
        EvaluationSettings settings) {

    public RobustnessResult {
        noise = List.copyOf(noise);
    }

    /** Returns the perturbation statistics of {@code norm}, or null when the attacks were skipped. */
    public PerturbationStats perturbation(Norm norm) {
        return norm == Norm.LINF ? linf : l2;
    }

    /** Returns the accuracy at the noise level closest to {@code sigma}, or NaN without noise levels. */
    public double accuracyAtSigma(double sigma) {
        NoiseLevel best = null;
        for (NoiseLevel level : noise) {
            if (best == null || Math.abs(level.sigma() - sigma) < Math.abs(best.sigma() - sigma)) {
                best = level;
            }
        }
        return best == null ? Double.NaN : best.accuracy();
    }

    /**
     * Accuracy at one noise level.
     *
     * @param sigma        standard deviation of the noise, pixel units of [0, 1]
     * @param accuracy     mean over the repetitions of the fraction classified correctly
     * @param repetitions  accuracy of each noise draw, in draw order
     */
    public record NoiseLevel(double sigma, double accuracy, double[] repetitions) {
        public NoiseLevel {
            repetitions = repetitions.clone();
        }
    }

    /**
     * Minimal adversarial perturbations under one norm. Sizes are in the norm's units on images in
     * [0, 1]. An image that no attack fooled within the largest size tried counts as an infinitely
     * large perturbation, so a median is null when more than half of the images were not fooled.
     *
     * @param norm           the norm
     * @param attackedImages correctly classified images attacked
     * @param notFooled      images that no attack fooled within the largest size tried
     * @param median         median minimal perturbation over the attacked images (smallest of all attacks per image)
     * @param medianPgd      median of the projected-gradient attack with bisection alone
     * @param medianDeepFool median of the DeepFool attack alone
     * @param sizes          minimal perturbation of each fooled image (smallest of all attacks), ascending
     */
    public record PerturbationStats(
            Norm norm,
            int attackedImages,
            int notFooled,
            Double median,
            Double medianPgd,
            Double medianDeepFool,
            double[] sizes) {
        public PerturbationStats {
            sizes = sizes.clone();
        }
    }

    /**
     * The hybrid-image test: each hybrid is the low spatial frequencies of one image plus the high
     * spatial frequencies of an image of another class; all fractions are over the hybrids.
     *
     * @param pairs           hybrids classified
     * @param cutoffSigma     standard deviation in pixels of the Gaussian filter that splits the bands
     * @param followsLow      fraction classified as the class of the low-frequency image
     * @param followsHigh     fraction classified as the class of the high-frequency image
     * @param followsNeither  fraction classified as some third class
     */
    public record HybridResult(int pairs, double cutoffSigma, double followsLow, double followsHigh,
            double followsNeither) {
    }
}
