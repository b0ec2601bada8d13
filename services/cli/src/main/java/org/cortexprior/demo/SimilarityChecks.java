package org.cortexprior.demo;

import org.cortexprior.evaluator.ExperimentResults;

/** Checks of a streamed similarity matrix against a known ground truth. Stateless and thread-safe. */
final class SimilarityChecks {

    private SimilarityChecks() {
    }

    /**
     * Returns the Pearson correlation, over the upper triangle, between a streamed matrix and the
     * centred cosine similarity of noise-free rates.
     *
     * @param streamed the matrix; entries that are NaN are left out
     * @param rates noise-free rates, neurons x images in the simulation's order
     * @param localIndex for each row of {@code streamed}, its column in {@code rates}, or a negative
     *     value when the image is not in {@code rates} (left out)
     */
    static double correlateWithTruth(ExperimentResults.SimilarityMatrix streamed, float[][] rates, int[] localIndex) {
        double[][] truth = centredCosine(rates);
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double syy = 0;
        double sxy = 0;
        long n = 0;
        for (int i = 0; i < streamed.size(); i++) {
            for (int j = i + 1; j < streamed.size(); j++) {
                double x = streamed.get(i, j);
                if (Double.isNaN(x) || localIndex[i] < 0 || localIndex[j] < 0) {
                    continue;
                }
                double y = truth[localIndex[i]][localIndex[j]];
                sx += x;
                sy += y;
                sxx += x * x;
                syy += y * y;
                sxy += x * y;
                n++;
            }
        }
        double cov = sxy - sx * sy / n;
        return cov / Math.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
    }

    /**
     * Returns the Pearson correlation, over the upper triangle, between the similarity of one
     * single trial per image (the first presentation) and the similarity of the noise-free rates.
     */
    static double singleTrialCorrelation(SimulatedLab.Session session) {
        int[] shown = session.imageIndices();
        int neurons = session.trueRates().length;
        float[][] single = new float[neurons][shown.length];
        boolean[] filled = new boolean[shown.length];
        for (int t = 0; t < session.trialImages().length; t++) {
            int local = java.util.Arrays.binarySearch(shown, session.trialImages()[t]);
            if (!filled[local]) {
                filled[local] = true;
                for (int n = 0; n < neurons; n++) {
                    single[n][local] = session.trialResponses()[t][n];
                }
            }
        }
        double[][] measured = centredCosine(single);
        double[][] truth = centredCosine(session.trueRates());
        float[] values = new float[shown.length * shown.length];
        int[] identity = new int[shown.length];
        for (int i = 0; i < shown.length; i++) {
            identity[i] = i;
            for (int j = 0; j < shown.length; j++) {
                values[i * shown.length + j] = (float) measured[i][j];
            }
        }
        return correlateWithTruth(new ExperimentResults.SimilarityMatrix(shown.length, values, ""),
                session.trueRates(), identity);
    }

    /** Returns the images x images centred cosine similarity of neurons x images responses. */
    static double[][] centredCosine(float[][] responses) {
        int neurons = responses.length;
        int images = responses[0].length;
        double[][] centred = new double[images][neurons];
        for (int n = 0; n < neurons; n++) {
            double mean = 0;
            for (int i = 0; i < images; i++) {
                mean += responses[n][i];
            }
            mean /= images;
            for (int i = 0; i < images; i++) {
                centred[i][n] = responses[n][i] - mean;
            }
        }
        for (double[] vector : centred) {
            double norm = 0;
            for (double v : vector) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            for (int k = 0; k < vector.length; k++) {
                vector[k] = norm > 0 ? vector[k] / norm : 0;
            }
        }
        double[][] similarity = new double[images][images];
        for (int i = 0; i < images; i++) {
            for (int j = i; j < images; j++) {
                double dot = 0;
                for (int k = 0; k < neurons; k++) {
                    dot += centred[i][k] * centred[j][k];
                }
                similarity[i][j] = dot;
                similarity[j][i] = dot;
            }
        }
        return similarity;
    }
}
