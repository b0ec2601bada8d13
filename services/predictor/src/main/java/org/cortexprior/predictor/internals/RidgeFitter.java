package org.cortexprior.predictor.internals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;

/**
 * Ridge regression from fixed random convolutional features: zero-mean random filters at two
 * scales, both half-wave rectifications, 4x4 average pooling, plus the pooled pixels. The ridge
 * penalty is chosen per neuron on the validation images from a fixed grid, solved in the dual
 * (images x images) form so that the cost grows with the number of training images, not features.
 *
 * <p>Deterministic for a given seed. Runs on the CPU.
 */
public final class RidgeFitter implements ModelFitter {

    private static final int[] KERNELS = {5, 11};
    private static final int FILTERS_PER_KERNEL = 48;
    private static final double[] LAMBDA_SCALE = {1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10, 30};

    private final long seed;

    public RidgeFitter(long seed) {
        this.seed = seed;
    }

    @Override
    public String name() {
        return "ridge";
    }

    @Override
    public ResponseModel fit(FitData data) {
        FeatureMap featureMap = new FeatureMap(data.size(), seed);
        float[][] trainMeans = data.imageMeans(false);
        float[][] validationMeans = data.imageMeans(true);
        List<Integer> trainImages = new ArrayList<>();
        List<Integer> validationImages = new ArrayList<>();
        for (int i = 0; i < trainMeans.length; i++) {
            if (trainMeans[i] != null) {
                trainImages.add(i);
            }
            if (validationMeans[i] != null) {
                validationImages.add(i);
            }
        }
        int neurons = data.neurons();
        int n = trainImages.size();
        double[][] trainFeatures = featureMap.features(data.images(), trainImages);
        featureMap.standardise(trainFeatures);
        double[][] validationFeatures = featureMap.apply(featureMap.features(data.images(), validationImages));

        double[] mean = new double[neurons];
        for (int i : trainImages) {
            for (int c = 0; c < neurons; c++) {
                mean[c] += trainMeans[i][c] / n;
            }
        }
        double[] y = new double[n * neurons];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < neurons; c++) {
                y[r * neurons + c] = trainMeans[trainImages.get(r)][c] - mean[c];
            }
        }
        double[] kernel = gram(trainFeatures, trainFeatures);
        double[] cross = gram(validationFeatures, trainFeatures);
        double trace = 0;
        for (int i = 0; i < n; i++) {
            trace += kernel[i * n + i];
        }
        double scale = trace / n;

        double[] chosen = new double[n * neurons];
        double[] bestR = new double[neurons];
        java.util.Arrays.fill(bestR, Double.NaN);
        double[] fallback = null;
        for (double s : LAMBDA_SCALE) {
            double[] alpha = Stats.solveRidge(kernel, n, s * scale, y, neurons);
            if (s == 1) {
                fallback = alpha;
            }
            for (int c = 0; c < neurons; c++) {
                double r = validationImages.isEmpty() ? Double.NaN
                        : correlation(cross, validationImages.size(), n, alpha, neurons, c, validationImages, validationMeans);
                if (Double.isFinite(r) && !(r <= bestR[c])) {
                    bestR[c] = r;
                    for (int i = 0; i < n; i++) {
                        chosen[i * neurons + c] = alpha[i * neurons + c];
                    }
                }
            }
        }
        // Neurons without a usable validation correlation keep the middle of the grid.
        for (int c = 0; c < neurons; c++) {
            if (Double.isNaN(bestR[c])) {
                for (int i = 0; i < n; i++) {
                    chosen[i * neurons + c] = fallback[i * neurons + c];
                }
            }
        }
        return new Model(featureMap, trainFeatures, chosen, mean, neurons);
    }

    private static double correlation(double[] cross, int v, int n, double[] alpha, int neurons, int c,
                                      List<Integer> validationImages, float[][] validationMeans) {
        double[] predicted = new double[v];
        double[] observed = new double[v];
        for (int i = 0; i < v; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += cross[i * n + j] * alpha[j * neurons + c];
            }
            predicted[i] = sum;
            observed[i] = validationMeans[validationImages.get(i)][c];
        }
        return Stats.pearson(predicted, observed);
    }

    /** Returns a b^T for row sets a (p x d) and b (q x d), as p x q row-major. */
    static double[] gram(double[][] a, double[][] b) {
        double[] result = new double[a.length * b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                double sum = 0;
                double[] x = a[i];
                double[] z = b[j];
                for (int d = 0; d < x.length; d++) {
                    sum += x[d] * z[d];
                }
                result[i * b.length + j] = sum;
            }
        }
        return result;
    }

    /** The fixed random feature map and the standardisation learnt on the training images. */
    static final class FeatureMap {
        private final int size;
        private final float[][] filters;
        private double[] featureMean;
        private double[] featureScale;

        FeatureMap(int size, long seed) {
            this.size = size;
            Random random = new Random(seed);
            filters = new float[KERNELS.length][];
            for (int k = 0; k < KERNELS.length; k++) {
                int edge = KERNELS[k];
                float[] w = new float[FILTERS_PER_KERNEL * edge * edge];
                for (int f = 0; f < FILTERS_PER_KERNEL; f++) {
                    double sum = 0;
                    double sq = 0;
                    for (int p = 0; p < edge * edge; p++) {
                        w[f * edge * edge + p] = (float) random.nextGaussian();
                        sum += w[f * edge * edge + p];
                    }
                    double m = sum / (edge * edge);
                    for (int p = 0; p < edge * edge; p++) {
                        w[f * edge * edge + p] -= (float) m;
                        sq += w[f * edge * edge + p] * w[f * edge * edge + p];
                    }
                    float norm = (float) Math.sqrt(sq);
                    for (int p = 0; p < edge * edge; p++) {
                        w[f * edge * edge + p] /= norm;
                    }
                }
                filters[k] = w;
            }
        }

        double[][] features(float[][] images, List<Integer> which) {
            int count = which.size();
            double[][] result = new double[count][];
            if (count == 0) {
                return result;
            }
            float[] batch = new float[count * size * size];
            for (int i = 0; i < count; i++) {
                System.arraycopy(images[which.get(i)], 0, batch, i * size * size, size * size);
            }
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray input = manager.create(batch, new Shape(count, 1, size, size));
                input = input.sub(input.reshape(count, -1).mean(new int[] {1}, true).reshape(count, 1, 1, 1));
                NDList parts = new NDList();
                int pool = Math.max(1, size / 8);
                for (int k = 0; k < KERNELS.length; k++) {
                    int edge = KERNELS[k];
                    NDArray weight = manager.create(filters[k], new Shape(FILTERS_PER_KERNEL, 1, edge, edge));
                    NDArray response = Conv2d.conv2d(input, weight, null, new Shape(1, 1),
                            new Shape(edge / 2, edge / 2)).singletonOrThrow();
                    NDArray on = Pool.avgPool2d(response.maximum(0f), new Shape(pool, pool), new Shape(pool, pool),
                            new Shape(0, 0), false, true);
                    NDArray off = Pool.avgPool2d(response.neg().maximum(0f), new Shape(pool, pool),
                            new Shape(pool, pool), new Shape(0, 0), false, true);
                    parts.add(on.reshape(count, -1));
                    parts.add(off.reshape(count, -1));
                }
                parts.add(Pool.avgPool2d(input, new Shape(pool, pool), new Shape(pool, pool), new Shape(0, 0), false, true)
                        .reshape(count, -1));
                NDArray all = NDArrays.concat(parts, 1).toType(DataType.FLOAT64, false);
                int width = (int) all.getShape().get(1);
                double[] flat = all.toDoubleArray();
                for (int i = 0; i < count; i++) {
                    result[i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
                }
            }
            return result;
        }

        void standardise(double[][] rows) {
            int width = rows[0].length;
            featureMean = new double[width];
            featureScale = new double[width];
            for (double[] row : rows) {
                for (int d = 0; d < width; d++) {
                    featureMean[d] += row[d] / rows.length;
                }
            }
            for (double[] row : rows) {
                for (int d = 0; d < width; d++) {
                    double v = row[d] - featureMean[d];
                    featureScale[d] += v * v / rows.length;
                }
            }
            for (int d = 0; d < width; d++) {
                featureScale[d] = featureScale[d] > 0 ? 1 / Math.sqrt(featureScale[d]) : 0;
            }
            apply(rows);
        }

        double[][] apply(double[][] rows) {
            for (double[] row : rows) {
                for (int d = 0; d < row.length; d++) {
                    row[d] = (row[d] - featureMean[d]) * featureScale[d];
                }
            }
            return rows;
        }
    }

    private static final class NDArrays {
        static NDArray concat(NDList parts, int axis) {
            return ai.djl.ndarray.NDArrays.concat(parts, axis);
        }
    }

    /** The fitted dual ridge model. */
    private static final class Model implements ResponseModel {
        private final FeatureMap featureMap;
        private final double[][] trainFeatures;
        private final double[] alpha;
        private final double[] mean;
        private final int neurons;

        Model(FeatureMap featureMap, double[][] trainFeatures, double[] alpha, double[] mean, int neurons) {
            this.featureMap = featureMap;
            this.trainFeatures = trainFeatures;
            this.alpha = alpha;
            this.mean = mean;
            this.neurons = neurons;
        }

        @Override
        public float[] predict(float[] images, int count) {
            int pixels = featureMap.size * featureMap.size;
            float[][] split = new float[count][];
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                split[i] = java.util.Arrays.copyOfRange(images, i * pixels, (i + 1) * pixels);
                all.add(i);
            }
            double[][] features = featureMap.apply(featureMap.features(split, all));
            double[] cross = gram(features, trainFeatures);
            int n = trainFeatures.length;
            float[] result = new float[count * neurons];
            for (int i = 0; i < count; i++) {
                for (int c = 0; c < neurons; c++) {
                    double sum = mean[c];
                    for (int j = 0; j < n; j++) {
                        sum += cross[i * n + j] * alpha[j * neurons + c];
                    }
                    result[i * neurons + c] = (float) sum;
                }
            }
            return result;
        }

        @Override
        public int neuronCount() {
            return neurons;
        }
    }
}
