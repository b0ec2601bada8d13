package org.cortexprior.evaluator.internals;

import java.util.Arrays;

import org.cortexprior.evaluator.Norm;

/**
 * Projected-gradient attack (basic iterative method: no random start, so results are
 * deterministic) on the margin {@code max over k != y of z_k - z_y}, with a bisection on epsilon
 * per image to find the smallest epsilon at which it still succeeds.
 *
 * <p>Each attack at a fixed epsilon takes {@code steps} steps of size {@code 2.5 * epsilon / steps}
 * (sign of the gradient for L-inf, normalised gradient for L2), projects onto the epsilon ball and
 * the [0, 1] box after each step, and records the first iterate that is misclassified.
 */
final class PgdAttack {

    private final ModelProbe probe;
    private final Norm norm;
    private final int steps;

    PgdAttack(ModelProbe probe, Norm norm, int steps) {
        this.probe = probe;
        this.norm = norm;
        this.steps = steps;
    }

    /**
     * Searches the minimal perturbation of each image: an attack at {@code upper[i]} (or at
     * {@code maxEpsilon} when that is infinite or fails), then {@code bisectionSteps} halvings of the
     * interval between 0 and the smallest successful perturbation.
     *
     * @return the smallest successful perturbation size per image, infinite where none succeeded
     */
    double[] minimalPerturbations(float[] images, int n, int[] labels, double[] upper, double maxEpsilon,
            int bisectionSteps) {
        double[] best = new double[n];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        double[] high = new double[n];
        for (int i = 0; i < n; i++) {
            high[i] = Double.isFinite(upper[i]) ? Math.min(upper[i], maxEpsilon) : maxEpsilon;
        }
        double[] first = attack(images, n, labels, high);
        double[] retry = new double[n];
        boolean needsRetry = false;
        for (int i = 0; i < n; i++) {
            best[i] = first[i];
            if (Double.isInfinite(first[i]) && high[i] < maxEpsilon) {
                retry[i] = maxEpsilon;
                needsRetry = true;
            }
        }
        if (needsRetry) {
            double[] second = attack(images, n, labels, retry);
            for (int i = 0; i < n; i++) {
                best[i] = Math.min(best[i], second[i]);
            }
        }

        double[] low = new double[n];
        double[] epsilon = new double[n];
        for (int step = 0; step < bisectionSteps; step++) {
            for (int i = 0; i < n; i++) {
                epsilon[i] = Double.isFinite(best[i]) ? (low[i] + best[i]) / 2 : 0;
            }
            double[] found = attack(images, n, labels, epsilon);
            for (int i = 0; i < n; i++) {
                if (epsilon[i] <= 0) {
                    continue;
                }
                if (Double.isFinite(found[i])) {
                    best[i] = Math.min(best[i], found[i]);
                } else {
                    low[i] = epsilon[i];
                }
            }
        }
        return best;
    }

    /**
     * Attacks each image at its own epsilon; an epsilon of 0 skips the image.
     *
     * @return the size of the first misclassified iterate per image, infinite where none was found
     */
    double[] attack(float[] images, int n, int[] labels, double[] epsilon) {
        int size = probe.imageSize();
        float[] delta = new float[n * size];
        float[] adversarial = images.clone();
        double[] found = new double[n];
        Arrays.fill(found, Double.POSITIVE_INFINITY);
        boolean[] done = new boolean[n];
        int remaining = 0;
        for (int i = 0; i < n; i++) {
            done[i] = epsilon[i] <= 0;
            remaining += done[i] ? 0 : 1;
        }

        for (int step = 0; step <= steps && remaining > 0; step++) {
            ModelProbe.Pass pass = probe.marginGradient(adversarial, n, labels);
            for (int i = 0; i < n; i++) {
                if (!done[i] && probe.predicted(pass.logits(), i) != labels[i]) {
                    found[i] = Perturbations.distance(adversarial, images, i * size, size, norm);
                    done[i] = true;
                    remaining--;
                }
            }
            if (step == steps) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (!done[i]) {
                    step(images, delta, adversarial, pass.gradient(), i * size, size, epsilon[i]);
                }
            }
        }
        return found;
    }

    private void step(float[] images, float[] delta, float[] adversarial, float[] gradient, int offset, int size,
            double epsilon) {
        double stepSize = 2.5 * epsilon / steps;
        if (norm == Norm.LINF) {
            for (int j = offset; j < offset + size; j++) {
                double moved = delta[j] + stepSize * Math.signum(gradient[j]);
                delta[j] = (float) Math.max(-epsilon, Math.min(epsilon, moved));
            }
        } else {
            double gradientNorm = Perturbations.norm(gradient, offset, size, Norm.L2);
            if (gradientNorm == 0) {
                return;
            }
            for (int j = offset; j < offset + size; j++) {
                delta[j] += (float) (stepSize * gradient[j] / gradientNorm);
            }
            double length = Perturbations.norm(delta, offset, size, Norm.L2);
            if (length > epsilon) {
                double shrink = epsilon / length;
                for (int j = offset; j < offset + size; j++) {
                    delta[j] *= (float) shrink;
                }
            }
        }
        for (int j = offset; j < offset + size; j++) {
            adversarial[j] = Perturbations.clip(images[j] + delta[j]);
            delta[j] = adversarial[j] - images[j];
        }
    }
}
