package org.cortexprior.evaluator.internals;

import java.util.Arrays;

import org.cortexprior.evaluator.Norm;

/**
 * DeepFool (Moosavi-Dezfooli, Fawzi and Frossard, CVPR 2016) for the L2 and L-inf norms: at each
 * iterate it linearises the logit differences {@code z_k - z_y} of the strongest candidate classes,
 * steps to the nearest linearised decision boundary (distance {@code |f_k| / ||w_k||_dual}), and
 * stops once the image is misclassified. The accumulated perturbation is applied with a small
 * overshoot. A bisection on its scale then shrinks it to the smallest multiple that still fools the
 * model, so the overshoot does not inflate the reported size.
 *
 * <p>On a linear classifier without active box constraints the first step lands on the nearest
 * decision boundary, so the result is the exact minimal perturbation.
 */
final class DeepFoolAttack {

    /** Bisection steps of the final line search; 2^-12 of the perturbation is well below 1 %. */
    private static final int LINE_SEARCH_STEPS = 12;

    private final ModelProbe probe;
    private final Norm norm;
    private final int maxIterations;
    private final int candidates;
    private final double overshoot;

    DeepFoolAttack(ModelProbe probe, Norm norm, int maxIterations, int candidates, double overshoot) {
        this.probe = probe;
        this.norm = norm;
        this.maxIterations = maxIterations;
        this.candidates = Math.min(candidates, probe.classCount() - 1);
        this.overshoot = overshoot;
    }

    /** Returns the size of the perturbation found per image, infinite where it did not fool the model. */
    double[] minimalPerturbations(float[] images, int n, int[] labels, double maxSize) {
        int size = probe.imageSize();
        float[] total = new float[n * size];
        float[] adversarial = images.clone();
        boolean[] fooled = new boolean[n];
        boolean[] active = new boolean[n];
        Arrays.fill(active, true);

        for (int iteration = 0; iteration <= maxIterations; iteration++) {
            Perturbations.addClipped(images, total, 1 + overshoot, adversarial);
            float[] logits = probe.logits(adversarial, n);
            int remaining = 0;
            for (int i = 0; i < n; i++) {
                if (active[i] && probe.predicted(logits, i) != labels[i]) {
                    fooled[i] = true;
                    active[i] = false;
                }
                remaining += active[i] ? 1 : 0;
            }
            if (remaining == 0 || iteration == maxIterations) {
                break;
            }
            stepTowardsNearestBoundary(adversarial, n, labels, logits, total, active);
        }

        float[] delta = new float[n * size];
        for (int i = 0; i < n; i++) {
            if (fooled[i]) {
                for (int j = i * size; j < (i + 1) * size; j++) {
                    delta[j] = adversarial[j] - images[j];
                }
            }
        }
        double[] scale = shrink(images, n, labels, delta, fooled);
        double[] sizes = new double[n];
        for (int i = 0; i < n; i++) {
            double found = fooled[i] ? scale[i] * Perturbations.norm(delta, i * size, size, norm)
                    : Double.POSITIVE_INFINITY;
            sizes[i] = found <= maxSize ? found : Double.POSITIVE_INFINITY;
        }
        return sizes;
    }

    private void stepTowardsNearestBoundary(float[] adversarial, int n, int[] labels, float[] logits, float[] total,
            boolean[] active) {
        int size = probe.imageSize();
        int[][] ranked = rankOtherClasses(logits, n, labels);
        double[] bestDistance = new double[n];
        Arrays.fill(bestDistance, Double.POSITIVE_INFINITY);
        double[] bestGap = new double[n];
        float[] bestDirection = new float[n * size];

        for (int rank = 0; rank < candidates; rank++) {
            int[] target = new int[n];
            for (int i = 0; i < n; i++) {
                target[i] = ranked[i][rank];
            }
            ModelProbe.Pass pass = probe.differenceGradient(adversarial, n, target, labels);
            for (int i = 0; i < n; i++) {
                if (!active[i]) {
                    continue;
                }
                int base = i * probe.classCount();
                double gap = Math.abs(pass.logits()[base + target[i]] - pass.logits()[base + labels[i]]);
                double dual = Perturbations.dualNorm(pass.gradient(), i * size, size, norm);
                double distance = dual > 0 ? gap / dual : Double.POSITIVE_INFINITY;
                if (distance < bestDistance[i]) {
                    bestDistance[i] = distance;
                    bestGap[i] = gap;
                    System.arraycopy(pass.gradient(), i * size, bestDirection, i * size, size);
                }
            }
        }

        for (int i = 0; i < n; i++) {
            if (!active[i] || Double.isInfinite(bestDistance[i])) {
                continue;
            }
            int offset = i * size;
            double dual = Perturbations.dualNorm(bestDirection, offset, size, norm);
            // A tiny extra margin keeps a step that lands exactly on the boundary from stalling there.
            double gap = bestGap[i] + 1e-4;
            for (int j = offset; j < offset + size; j++) {
                double step = norm == Norm.L2 ? gap / (dual * dual) * bestDirection[j]
                        : gap / dual * Math.signum(bestDirection[j]);
                total[j] += (float) step;
            }
        }
    }

    private int[][] rankOtherClasses(float[] logits, int n, int[] labels) {
        int classCount = probe.classCount();
        int[][] ranked = new int[n][];
        for (int i = 0; i < n; i++) {
            int base = i * classCount;
            int label = labels[i];
            ranked[i] = java.util.stream.IntStream.range(0, classCount).filter(k -> k != label).boxed()
                    .sorted((a, b) -> Float.compare(logits[base + b], logits[base + a]))
                    .mapToInt(Integer::intValue).toArray();
        }
        return ranked;
    }

    /** Returns per image the smallest scale in (0, 1] at which {@code images + scale * delta} is still misclassified. */
    private double[] shrink(float[] images, int n, int[] labels, float[] delta, boolean[] fooled) {
        double[] low = new double[n];
        double[] high = new double[n];
        Arrays.fill(high, 1.0);
        int size = probe.imageSize();
        float[] candidate = new float[images.length];
        for (int step = 0; step < LINE_SEARCH_STEPS; step++) {
            for (int i = 0; i < n; i++) {
                double scale = (low[i] + high[i]) / 2;
                for (int j = i * size; j < (i + 1) * size; j++) {
                    candidate[j] = Perturbations.clip(images[j] + (float) (scale * delta[j]));
                }
            }
            float[] logits = probe.logits(candidate, n);
            for (int i = 0; i < n; i++) {
                if (!fooled[i]) {
                    continue;
                }
                double scale = (low[i] + high[i]) / 2;
                if (probe.predicted(logits, i) != labels[i]) {
                    high[i] = scale;
                } else {
                    low[i] = scale;
                }
            }
        }
        return high;
    }
}
