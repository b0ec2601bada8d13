package org.cortexprior.evaluator.internals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.cortexprior.evaluator.EvaluationProgress;
import org.cortexprior.evaluator.LabeledImages;
import org.cortexprior.evaluator.RobustnessResult.NoiseLevel;

/**
 * Accuracy under additive Gaussian noise, clipped to [0, 1]. Each image's noise pattern is drawn
 * from a generator seeded by (seed, repetition, image index) and scaled by every sigma. So the
 * numbers do not depend on the batch size, and all sigmas share one pattern, which keeps the curve
 * smooth.
 */
final class NoiseEvaluation {

    private NoiseEvaluation() {
    }

    static List<NoiseLevel> run(ModelProbe probe, LabeledImages images, int[] indices, double[] sigmas,
            int repetitions, long seed, int batchSize, EvaluationProgress progress) {
        int size = images.imageSize();
        long[][] correct = new long[sigmas.length][repetitions];
        progress.stageStarted("noise", (long) indices.length * repetitions, "images");
        for (int start = 0; start < indices.length; start += batchSize) {
            int n = Math.min(batchSize, indices.length - start);
            float[] clean = new float[n * size];
            for (int i = 0; i < n; i++) {
                images.copyImage(indices[start + i], clean, i * size);
            }
            float[] pattern = new float[n * size];
            float[] noisy = new float[n * size];
            for (int repetition = 0; repetition < repetitions; repetition++) {
                for (int i = 0; i < n; i++) {
                    SplittableRandom random = new SplittableRandom(mix(seed, repetition, indices[start + i]));
                    for (int j = i * size; j < (i + 1) * size; j++) {
                        pattern[j] = (float) random.nextGaussian();
                    }
                }
                for (int s = 0; s < sigmas.length; s++) {
                    float sigma = (float) sigmas[s];
                    for (int j = 0; j < noisy.length; j++) {
                        noisy[j] = Perturbations.clip(clean[j] + sigma * pattern[j]);
                    }
                    float[] logits = probe.logits(noisy, n);
                    for (int i = 0; i < n; i++) {
                        if (probe.predicted(logits, i) == images.label(indices[start + i])) {
                            correct[s][repetition]++;
                        }
                    }
                }
                progress.advanced(n);
            }
        }
        progress.stageFinished();

        List<NoiseLevel> levels = new ArrayList<>();
        for (int s = 0; s < sigmas.length; s++) {
            double[] accuracy = new double[repetitions];
            double sum = 0;
            for (int r = 0; r < repetitions; r++) {
                accuracy[r] = indices.length == 0 ? Double.NaN : (double) correct[s][r] / indices.length;
                sum += accuracy[r];
            }
            levels.add(new NoiseLevel(sigmas[s], sum / repetitions, accuracy));
        }
        return levels;
    }

    /** Mixes the three numbers into one 64-bit seed (SplitMix64 finaliser applied twice). */
    static long mix(long seed, int repetition, int image) {
        long z = seed * 0x9E3779B97F4A7C15L + repetition;
        z = finalise(z) * 0x9E3779B97F4A7C15L + image;
        return finalise(z);
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
