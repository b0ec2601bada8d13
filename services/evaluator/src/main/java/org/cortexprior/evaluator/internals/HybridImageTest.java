package org.cortexprior.evaluator.internals;

import java.util.SplittableRandom;

import org.cortexprior.evaluator.LabeledImages;
import org.cortexprior.evaluator.RobustnessResult.HybridResult;

/**
 * Hybrid images: {@code clip(lowpass(a) + b - lowpass(b))} for a pair of correctly classified
 * images a, b of different classes, where lowpass is a Gaussian blur. The prediction shows which
 * band of spatial frequencies the model follows.
 */
final class HybridImageTest {

    private HybridImageTest() {
    }

    /**
     * Classifies up to {@code pairs} hybrids of images drawn with a seeded generator from
     * {@code correct} (indices of correctly classified images); returns null when fewer than two
     * classes are present.
     */
    static HybridResult run(ModelProbe probe, LabeledImages images, int[] correct, int pairs, double cutoffSigma,
            long seed, int batchSize) {
        if (correct.length < 2 || pairs == 0) {
            return null;
        }
        int size = images.imageSize();
        GaussianFilter filter = new GaussianFilter(cutoffSigma);
        SplittableRandom random = new SplittableRandom(seed ^ 0x48594252L);
        int low = 0;
        int high = 0;
        int neither = 0;
        int made = 0;
        float[] a = new float[size];
        float[] b = new float[size];
        while (made < pairs) {
            int n = Math.min(batchSize, pairs - made);
            float[] batch = new float[n * size];
            int[] lowLabel = new int[n];
            int[] highLabel = new int[n];
            int filled = 0;
            for (int attempts = 0; filled < n && attempts < 100 * n; attempts++) {
                int first = correct[random.nextInt(correct.length)];
                int second = correct[random.nextInt(correct.length)];
                if (images.label(first) == images.label(second)) {
                    continue;
                }
                images.copyImage(first, a, 0);
                images.copyImage(second, b, 0);
                float[] lowA = filter.blur(a, 0, images.channels(), images.height(), images.width());
                float[] lowB = filter.blur(b, 0, images.channels(), images.height(), images.width());
                for (int j = 0; j < size; j++) {
                    batch[filled * size + j] = Perturbations.clip(lowA[j] + b[j] - lowB[j]);
                }
                lowLabel[filled] = images.label(first);
                highLabel[filled] = images.label(second);
                filled++;
            }
            if (filled == 0) {
                return null;
            }
            float[] logits = probe.logits(filled == n ? batch : java.util.Arrays.copyOf(batch, filled * size), filled);
            for (int i = 0; i < filled; i++) {
                int predicted = probe.predicted(logits, i);
                if (predicted == lowLabel[i]) {
                    low++;
                } else if (predicted == highLabel[i]) {
                    high++;
                } else {
                    neither++;
                }
            }
            made += filled;
            if (filled < n) {
                break;
            }
        }
        return new HybridResult(made, cutoffSigma, (double) low / made, (double) high / made,
                (double) neither / made);
    }
}
