package org.cortexprior.evaluator;

import java.util.Arrays;

/**
 * Measurements and attack budget of {@link RobustnessEvaluator}. Immutable and
 * thread-safe; build one with {@link #builder()}, or start from {@link #defaults()} or the cheap
 * {@link #smoke()} setting.
 *
 * @param noiseSigmas         standard deviations of the additive Gaussian noise, in pixel units of the [0, 1] range
 * @param noiseRepetitions    independent noise draws per image and sigma; accuracy is averaged over them
 * @param seed                seed of every random choice: noise draws, image order for the attacks, hybrid pairs
 * @param noiseImages         test images used for the noise curve; 0 uses all of them
 * @param attackImages        correctly classified test images attacked per norm (the median is over these); 0 skips the attacks
 * @param batchSize           images per forward pass
 * @param pgdSteps            gradient steps of each projected-gradient attack at a fixed epsilon
 * @param bisectionSteps      halvings of the epsilon interval per image and norm
 * @param deepFoolIterations  maximum linearisation steps of the DeepFool attack
 * @param deepFoolCandidates  classes with the highest logits that DeepFool considers crossing to, at most classCount - 1
 * @param deepFoolOvershoot   relative overshoot of each DeepFool step (the found perturbation is then shrunk by a line search)
 * @param maxLinf             largest L-inf perturbation tried; images not fooled within it count as not fooled
 * @param maxL2               largest L2 perturbation tried
 * @param hybridPairs         pairs of correctly classified images of different classes mixed into hybrid images; 0 skips the test
 * @param hybridCutoffSigma   standard deviation in pixels of the Gaussian filter separating low from high spatial frequencies
 */
public record EvaluationSettings(
        double[] noiseSigmas,
        int noiseRepetitions,
        long seed,
        int noiseImages,
        int attackImages,
        int batchSize,
        int pgdSteps,
        int bisectionSteps,
        int deepFoolIterations,
        int deepFoolCandidates,
        double deepFoolOvershoot,
        double maxLinf,
        double maxL2,
        int hybridPairs,
        double hybridCutoffSigma) {

    /** Noise levels 0 to 0.1 in steps of 0.01, then 0.15, 0.2 and 0.3. */
    public static final double[] DEFAULT_SIGMAS = {
        0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.15, 0.20, 0.30};

    public EvaluationSettings {
        noiseSigmas = noiseSigmas.clone();
        requireAtLeast("noiseRepetitions", noiseRepetitions, 1);
        requireAtLeast("noiseImages", noiseImages, 0);
        requireAtLeast("attackImages", attackImages, 0);
        requireAtLeast("batchSize", batchSize, 1);
        requireAtLeast("pgdSteps", pgdSteps, 1);
        requireAtLeast("bisectionSteps", bisectionSteps, 0);
        requireAtLeast("deepFoolIterations", deepFoolIterations, 1);
        requireAtLeast("deepFoolCandidates", deepFoolCandidates, 1);
        requireAtLeast("hybridPairs", hybridPairs, 0);
        for (double sigma : noiseSigmas) {
            if (!(sigma >= 0) || Double.isInfinite(sigma)) {
                throw new IllegalArgumentException("noise sigma must be a finite number >= 0, got " + sigma);
            }
        }
        if (!(deepFoolOvershoot >= 0 && deepFoolOvershoot < 1)) {
            throw new IllegalArgumentException("deepFoolOvershoot must be in [0, 1), got " + deepFoolOvershoot);
        }
        if (!(maxLinf > 0 && maxLinf <= 1)) {
            throw new IllegalArgumentException("maxLinf must be in (0, 1], got " + maxLinf);
        }
        if (!(maxL2 > 0) || Double.isInfinite(maxL2)) {
            throw new IllegalArgumentException("maxL2 must be a finite number > 0, got " + maxL2);
        }
        if (!(hybridCutoffSigma > 0)) {
            throw new IllegalArgumentException("hybridCutoffSigma must be > 0, got " + hybridCutoffSigma);
        }
    }

    @Override
    public double[] noiseSigmas() {
        return noiseSigmas.clone();
    }

    /**
     * Returns the full setting: 1,000 attacked images, 20 PGD steps, 10 bisection steps, 2 noise draws,
     * 500 hybrid pairs.
     */
    public static EvaluationSettings defaults() {
        return builder().build();
    }

    /** Returns a cheap setting for smoke tests and CI: 20 attacked images, a small attack budget, 1 noise draw. */
    public static EvaluationSettings smoke() {
        return builder().attackImages(20).noiseImages(200).noiseRepetitions(1).pgdSteps(5).bisectionSteps(5)
                .deepFoolIterations(10).deepFoolCandidates(3).hybridPairs(50).build();
    }

    /** Returns a builder initialised with the {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder initialised with these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.noiseSigmas = noiseSigmas.clone();
        b.noiseRepetitions = noiseRepetitions;
        b.seed = seed;
        b.noiseImages = noiseImages;
        b.attackImages = attackImages;
        b.batchSize = batchSize;
        b.pgdSteps = pgdSteps;
        b.bisectionSteps = bisectionSteps;
        b.deepFoolIterations = deepFoolIterations;
        b.deepFoolCandidates = deepFoolCandidates;
        b.deepFoolOvershoot = deepFoolOvershoot;
        b.maxLinf = maxLinf;
        b.maxL2 = maxL2;
        b.hybridPairs = hybridPairs;
        b.hybridCutoffSigma = hybridCutoffSigma;
        return b;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EvaluationSettings s && Arrays.equals(noiseSigmas, s.noiseSigmas)
                && toString().equals(s.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "EvaluationSettings[noiseSigmas=" + Arrays.toString(noiseSigmas) + ", noiseRepetitions="
                + noiseRepetitions + ", seed=" + seed + ", noiseImages=" + noiseImages + ", attackImages="
                + attackImages + ", batchSize=" + batchSize + ", pgdSteps=" + pgdSteps + ", bisectionSteps="
                + bisectionSteps + ", deepFoolIterations=" + deepFoolIterations + ", deepFoolCandidates="
                + deepFoolCandidates + ", deepFoolOvershoot=" + deepFoolOvershoot + ", maxLinf=" + maxLinf
                + ", maxL2=" + maxL2 + ", hybridPairs=" + hybridPairs + ", hybridCutoffSigma=" + hybridCutoffSigma
                + "]";
    }

    private static void requireAtLeast(String name, long value, long minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(name + " must be >= " + minimum + ", got " + value);
        }
    }

    /** Mutable builder of {@link EvaluationSettings}; not thread-safe. */
    public static final class Builder {
        private double[] noiseSigmas = DEFAULT_SIGMAS.clone();
        private int noiseRepetitions = 2;
        private long seed = 20190;
        private int noiseImages = 0;
        private int attackImages = 1000;
        private int batchSize = 100;
        private int pgdSteps = 20;
        private int bisectionSteps = 10;
        private int deepFoolIterations = 50;
        private int deepFoolCandidates = 9;
        private double deepFoolOvershoot = 0.02;
        private double maxLinf = 0.5;
        private double maxL2 = 20.0;
        private int hybridPairs = 500;
        private double hybridCutoffSigma = 2.0;

        private Builder() {
        }

        public Builder noiseSigmas(double... value) {
            noiseSigmas = value.clone();
            return this;
        }

        public Builder noiseRepetitions(int value) {
            noiseRepetitions = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder noiseImages(int value) {
            noiseImages = value;
            return this;
        }

        public Builder attackImages(int value) {
            attackImages = value;
            return this;
        }

        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        public Builder pgdSteps(int value) {
            pgdSteps = value;
            return this;
        }

        public Builder bisectionSteps(int value) {
            bisectionSteps = value;
            return this;
        }

        public Builder deepFoolIterations(int value) {
            deepFoolIterations = value;
            return this;
        }

        public Builder deepFoolCandidates(int value) {
            deepFoolCandidates = value;
            return this;
        }

        public Builder deepFoolOvershoot(double value) {
            deepFoolOvershoot = value;
            return this;
        }

        public Builder maxLinf(double value) {
            maxLinf = value;
            return this;
        }

        public Builder maxL2(double value) {
            maxL2 = value;
            return this;
        }

        public Builder hybridPairs(int value) {
            hybridPairs = value;
            return this;
        }

        public Builder hybridCutoffSigma(double value) {
            hybridCutoffSigma = value;
            return this;
        }

        public EvaluationSettings build() {
            return new EvaluationSettings(noiseSigmas, noiseRepetitions, seed, noiseImages, attackImages, batchSize,
                    pgdSteps, bisectionSteps, deepFoolIterations, deepFoolCandidates, deepFoolOvershoot, maxLinf,
                    maxL2, hybridPairs, hybridCutoffSigma);
        }
    }
}
