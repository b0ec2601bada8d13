package org.cortexprior.trainer.internals;

import java.util.List;

/**
 * Similarity targets computed from the stimulus pixels themselves: the pixel control and its
 * thresholded variant.
 */
public final class PixelSimilarity {

    private PixelSimilarity() {
    }

    /**
     * Returns the centred cosine similarity of the stimuli's pixels: each pixel's mean over the
     * image set is subtracted (pixels play the part that neurons play in the neural matrix), each
     * image's vector is scaled to unit length, and pairs are compared by dot product. An image
     * whose centred vector is zero gets similarity 0 to every other image.
     */
    public static SimilarityMatrix centredCosine(String matrixId, StimulusSet stimuli) {
        List<String> ids = stimuli.ids();
        int n = ids.size();
        int d = stimuli.resolution() * stimuli.resolution();
        double[][] x = new double[n][d];
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            byte[] plane = stimuli.get(ids.get(i));
            for (int p = 0; p < d; p++) {
                x[i][p] = (plane[p] & 0xff) / 255.0;
                mean[p] += x[i][p] / n;
            }
        }
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int p = 0; p < d; p++) {
                x[i][p] -= mean[p];
                norm += x[i][p] * x[i][p];
            }
            norm = Math.sqrt(norm);
            for (int p = 0; p < d; p++) {
                x[i][p] = norm > 0 ? x[i][p] / norm : 0;
            }
        }
        float[] s = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double dot = 0;
                double[] a = x[i];
                double[] b = x[j];
                for (int p = 0; p < d; p++) {
                    dot += a[p] * b[p];
                }
                s[i * n + j] = (float) dot;
                s[j * n + i] = (float) dot;
            }
        }
        return SimilarityMatrix.dense(matrixId, ids, s);
    }

    private static float threshold(float value, double threshold) {
        if (Float.isNaN(value)) {
            return Float.NaN;
        }
        if (value > threshold) {
            return 1f;
        }
        if (value < -threshold) {
            return -1f;
        }
        return 0f;
    }

    /** Returns +1 where the similarity is above {@code threshold}, -1 below {@code -threshold}, else 0. */
    public static SimilarityMatrix thresholded(String matrixId, SimilarityMatrix source, double threshold) {
        int n = source.imageCount();
        float[] s = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i * n + j] = threshold(source.get(i, j), threshold);
            }
        }
        return SimilarityMatrix.dense(matrixId, source.imageIds(), s);
    }
}
