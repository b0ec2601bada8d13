package org.cortexprior.evaluator.internals;

/** Summary statistics over seeds. */
public final class Statistics {

    private Statistics() {
    }

    /** Returns the mean, or NaN for no values. */
    public static double mean(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** Returns the sample standard deviation (n - 1 in the denominator), or 0 for fewer than two values. */
    public static double standardDeviation(double[] values) {
        if (values.length < 2) {
            return 0;
        }
        double mean = mean(values);
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / (values.length - 1));
    }
}
