package org.cortexprior.recordings;

import java.util.Arrays;

/**
 * Split-half reliability of repeat-averaged responses: for each neuron, the Pearson correlation
 * across images between the mean of the even-numbered presentations (0, 2, 4, ...) and the mean of
 * the odd-numbered ones (1, 3, ...), without Spearman-Brown correction. Only images with at least
 * two presentations take part. Stateless and thread-safe.
 */
public final class Reliability {

    private Reliability() {
    }

    /**
     * Returns the split-half correlation of every neuron; NaN for a neuron whose half means do not
     * vary, or when fewer than three images have two or more presentations.
     */
    public static double[] splitHalf(SingleTrials trials) {
        int neurons = trials.neuronCount();
        int usable = 0;
        for (int i = 0; i < trials.imageCount(); i++) {
            if (trials.repeatCount(i) >= 2) {
                usable++;
            }
        }
        double[][] even = new double[neurons][usable];
        double[][] odd = new double[neurons][usable];
        int column = 0;
        for (int i = 0; i < trials.imageCount(); i++) {
            int repeats = trials.repeatCount(i);
            if (repeats < 2) {
                continue;
            }
            double[] evenSum = new double[neurons];
            double[] oddSum = new double[neurons];
            for (int r = 0; r < repeats; r++) {
                float[] values = trials.presentation(i, r);
                double[] sum = r % 2 == 0 ? evenSum : oddSum;
                for (int n = 0; n < neurons; n++) {
                    sum[n] += values[n];
                }
            }
            int evenCount = (repeats + 1) / 2;
            int oddCount = repeats / 2;
            for (int n = 0; n < neurons; n++) {
                even[n][column] = evenSum[n] / evenCount;
                odd[n][column] = oddSum[n] / oddCount;
            }
            column++;
        }
        double[] reliability = new double[neurons];
        for (int n = 0; n < neurons; n++) {
            reliability[n] = usable < 3 ? Double.NaN : pearson(even[n], odd[n]);
        }
        return reliability;
    }

    /** Returns the median of the finite values, or NaN when there are none. */
    public static double median(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) {
            return Double.NaN;
        }
        int mid = finite.length / 2;
        return finite.length % 2 == 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
    }

    static double pearson(double[] a, double[] b) {
        double meanA = Arrays.stream(a).average().orElse(Double.NaN);
        double meanB = Arrays.stream(b).average().orElse(Double.NaN);
        double cov = 0;
        double varA = 0;
        double varB = 0;
        for (int i = 0; i < a.length; i++) {
            double da = a[i] - meanA;
            double db = b[i] - meanB;
            cov += da * db;
            varA += da * da;
            varB += db * db;
        }
        return varA == 0 || varB == 0 ? Double.NaN : cov / Math.sqrt(varA * varB);
    }
}
