package org.cortexprior.evaluator;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.cortexprior.trainer.ImageClassifier;

/**
 * A linear classifier {@code z = W x + b} on flattened images, whose minimal adversarial
 * perturbations are known in closed form: for an image of class y the smallest change that makes
 * class k win has size {@code (z_y - z_k) / ||w_y - w_k||_dual} (L2 norm for L2 perturbations, L1
 * norm for L-inf), and the overall minimum is the smallest of these over k, as long as the [0, 1]
 * box does not bind.
 */
final class LinearClassifier implements ImageClassifier {

    private final NDManager manager = NDManager.newBaseManager(Device.cpu());
    private final double[][] weights;
    private final double[] bias;
    private final int channels;
    private final int height;
    private final int width;
    private final NDArray weightArray;
    private final NDArray biasArray;

    LinearClassifier(double[][] weights, double[] bias, int channels, int height, int width) {
        this.weights = weights;
        this.bias = bias;
        this.channels = channels;
        this.height = height;
        this.width = width;
        int classes = weights.length;
        int size = channels * height * width;
        float[] transposed = new float[size * classes];
        for (int k = 0; k < classes; k++) {
            for (int j = 0; j < size; j++) {
                transposed[j * classes + k] = (float) weights[k][j];
            }
        }
        float[] biasValues = new float[classes];
        for (int k = 0; k < classes; k++) {
            biasValues[k] = (float) bias[k];
        }
        weightArray = manager.create(transposed, new Shape(size, classes));
        biasArray = manager.create(biasValues);
    }

    /**
     * Returns a classifier with standard normal weights and a bias that puts every decision boundary
     * through the mid-grey image (all pixels 0.5), so images near it have small minimal perturbations.
     */
    static LinearClassifier random(int classes, int channels, int height, int width, long seed) {
        Random random = new Random(seed);
        int size = channels * height * width;
        double[][] weights = new double[classes][size];
        double[] bias = new double[classes];
        for (int k = 0; k < classes; k++) {
            for (int j = 0; j < size; j++) {
                weights[k][j] = random.nextGaussian();
                bias[k] -= 0.5 * weights[k][j];
            }
        }
        return new LinearClassifier(weights, bias, channels, height, width);
    }

    /** Returns the logits of one image, computed in double precision. */
    double[] exactLogits(float[] image, int offset) {
        double[] logits = new double[weights.length];
        for (int k = 0; k < weights.length; k++) {
            double sum = bias[k];
            for (int j = 0; j < weights[k].length; j++) {
                sum += weights[k][j] * image[offset + j];
            }
            logits[k] = sum;
        }
        return logits;
    }

    /** Returns the closed-form minimal perturbation of one image under {@code norm}. */
    double minimalPerturbation(float[] image, int offset, Norm norm) {
        double[] logits = exactLogits(image, offset);
        int label = 0;
        for (int k = 1; k < logits.length; k++) {
            if (logits[k] > logits[label]) {
                label = k;
            }
        }
        double best = Double.POSITIVE_INFINITY;
        for (int k = 0; k < logits.length; k++) {
            if (k == label) {
                continue;
            }
            double dual = 0;
            for (int j = 0; j < weights[k].length; j++) {
                double difference = Math.abs(weights[label][j] - weights[k][j]);
                dual += norm == Norm.L2 ? difference * difference : difference;
            }
            dual = norm == Norm.L2 ? Math.sqrt(dual) : dual;
            best = Math.min(best, (logits[label] - logits[k]) / dual);
        }
        return best;
    }

    @Override
    public int classCount() {
        return weights.length;
    }

    @Override
    public List<String> classNames() {
        List<String> names = new ArrayList<>();
        for (int k = 0; k < weights.length; k++) {
            names.add("class" + k);
        }
        return names;
    }

    @Override
    public long[] inputShape() {
        return new long[] {channels, height, width};
    }

    @Override
    public Device device() {
        return Device.cpu();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public NDArray logits(NDArray images) {
        long n = images.getShape().get(0);
        return images.reshape(n, (long) channels * height * width).matMul(weightArray).add(biasArray);
    }

    @Override
    public void close() {
        manager.close();
    }
}
