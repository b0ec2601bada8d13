package org.cortexprior.predictor.internals;

import java.util.Arrays;

/** Small statistics helpers in float64. */
public final class Stats {

    private Stats() {
    }

    /** Pearson correlation; NaN when either side has no variance or fewer than 2 values. */
    public static double pearson(double[] x, double[] y) {
        int n = x.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Double.NaN;
    }

    /** Median of the finite values; NaN when there are none. */
    public static double median(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) {
            return Double.NaN;
        }
        int mid = finite.length / 2;
        return finite.length % 2 == 1 ? finite[mid] : 0.5 * (finite[mid - 1] + finite[mid]);
    }

    /** Mean of the finite values; NaN when there are none. */
    public static double mean(double[] values) {
        return Arrays.stream(values).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    /**
     * Solves {@code (K + lambda I) X = B} for symmetric positive semi-definite K (n x n) by
     * Cholesky factorisation; B is n x m, row-major.
     */
    public static double[] solveRidge(double[] k, int n, double lambda, double[] b, int m) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = k[i * n + j] + (i == j ? lambda : 0);
                for (int p = 0; p < j; p++) {
                    sum -= l[i * n + p] * l[j * n + p];
                }
                if (i == j) {
                    if (sum <= 0) {
                        throw new ArithmeticException("matrix is not positive definite at row " + i + "; increase lambda");
                    }
                    l[i * n + i] = Math.sqrt(sum);
                } else {
                    l[i * n + j] = sum / l[j * n + j];
                }
            }
        }
        double[] x = b.clone();
        for (int c = 0; c < m; c++) {
            for (int i = 0; i < n; i++) {
                double sum = x[i * m + c];
                for (int p = 0; p < i; p++) {
                    sum -= l[i * n + p] * x[p * m + c];
                }
                x[i * m + c] = sum / l[i * n + i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double sum = x[i * m + c];
                for (int p = i + 1; p < n; p++) {
                    sum -= l[p * n + i] * x[p * m + c];
                }
                x[i * m + c] = sum / l[i * n + i];
            }
        }
        return x;
    }
}
