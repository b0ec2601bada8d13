package org.cortexprior.evaluator.internals;

import org.cortexprior.evaluator.Norm;

/** Norms and box projections of images and perturbations stored image after image in flat arrays. */
final class Perturbations {

    private Perturbations() {
    }

    /** Returns the norm of {@code values[offset .. offset + length)}. */
    static double norm(float[] values, int offset, int length, Norm norm) {
        double result = 0;
        for (int j = offset; j < offset + length; j++) {
            double v = Math.abs(values[j]);
            if (norm == Norm.LINF) {
                result = Math.max(result, v);
            } else {
                result += v * v;
            }
        }
        return norm == Norm.LINF ? result : Math.sqrt(result);
    }

    /** Returns the norm of {@code a - b} over one image. */
    static double distance(float[] a, float[] b, int offset, int length, Norm norm) {
        double result = 0;
        for (int j = offset; j < offset + length; j++) {
            double v = Math.abs(a[j] - b[j]);
            if (norm == Norm.LINF) {
                result = Math.max(result, v);
            } else {
                result += v * v;
            }
        }
        return norm == Norm.LINF ? result : Math.sqrt(result);
    }

    /** Returns the dual norm (L1 for L-inf, L2 for L2) of one image's values. */
    static double dualNorm(float[] values, int offset, int length, Norm norm) {
        if (norm == Norm.L2) {
            return norm(values, offset, length, Norm.L2);
        }
        double sum = 0;
        for (int j = offset; j < offset + length; j++) {
            sum += Math.abs(values[j]);
        }
        return sum;
    }

    /** Writes {@code clip(base + scale * delta, 0, 1)} into {@code target}. */
    static void addClipped(float[] base, float[] delta, double scale, float[] target) {
        for (int j = 0; j < base.length; j++) {
            target[j] = clip(base[j] + (float) (scale * delta[j]));
        }
    }

    static float clip(float value) {
        return value < 0f ? 0f : (value > 1f ? 1f : value);
    }

    /** Returns the median of {@code values}, with infinite values counted; null when it is infinite. */
    static Double median(double[] values) {
        if (values.length == 0) {
            return null;
        }
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int mid = sorted.length / 2;
        double median = sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return Double.isInfinite(median) ? null : median;
    }
}
