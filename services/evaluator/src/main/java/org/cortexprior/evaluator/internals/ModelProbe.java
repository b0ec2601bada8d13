package org.cortexprior.evaluator.internals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.cortexprior.trainer.ImageClassifier;

/**
 * Forward and backward passes of an {@link ImageClassifier} on batches held in Java arrays. The
 * attacks keep their state in arrays, so only this class touches NDArrays, and every pass runs in
 * its own NDManager scope that is closed before the method returns.
 *
 * <p>Not thread-safe, like the classifier.
 */
public final class ModelProbe {

    private final ImageClassifier classifier;
    private final int classCount;
    private final int channels;
    private final int height;
    private final int width;

    public ModelProbe(ImageClassifier classifier, int channels, int height, int width) {
        long[] expected = classifier.inputShape();
        if (expected.length != 3 || expected[0] != channels || expected[1] != height || expected[2] != width) {
            throw new IllegalArgumentException("the classifier expects images of shape "
                    + java.util.Arrays.toString(expected) + " but the test images have shape [" + channels + ", "
                    + height + ", " + width + "]");
        }
        this.classifier = classifier;
        this.classCount = classifier.classCount();
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    public int classCount() {
        return classCount;
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** Returns the logits of {@code n} images, {@code n * classCount()} values, image after image. */
    public float[] logits(float[] pixels, int n) {
        try (NDManager scope = classifier.manager().newSubManager()) {
            NDArray images = scope.create(pixels, new Shape(n, channels, height, width));
            return checkLogits(classifier.logits(images), n).toFloatArray();
        }
    }

    /**
     * Computes the logits and the gradient with respect to each image of
     * {@code z[plus[i]] - z[minus[i]]}.
     */
    public Pass differenceGradient(float[] pixels, int n, int[] plus, int[] minus) {
        float[] weights = new float[n * classCount];
        for (int i = 0; i < n; i++) {
            weights[i * classCount + plus[i]] += 1f;
            weights[i * classCount + minus[i]] -= 1f;
        }
        return weightedGradient(pixels, n, null, weights);
    }

    /**
     * Computes the logits and the gradient with respect to each image of the margin
     * {@code max over k != label of z[k] - z[label]}, which is positive once the image is misclassified.
     */
    public Pass marginGradient(float[] pixels, int n, int[] labels) {
        return weightedGradient(pixels, n, labels, null);
    }

    /**
     * Differentiates the sum over images of the logits weighted by {@code weights}; with
     * {@code marginLabels} set, the weights are chosen from the logits of this same pass (+1 on the
     * strongest other class, -1 on the label), which gives the gradient of the margin because the
     * choice is locally constant.
     */
    private Pass weightedGradient(float[] pixels, int n, int[] marginLabels, float[] weights) {
        try (NDManager scope = classifier.manager().newSubManager()) {
            NDArray images = scope.create(pixels, new Shape(n, channels, height, width));
            images.setRequiresGradient(true);
            float[] logitValues;
            try (GradientCollector collector = scope.getEngine().newGradientCollector()) {
                NDArray logits = checkLogits(classifier.logits(images), n);
                logitValues = logits.toFloatArray();
                float[] lossWeights = weights != null ? weights : marginWeights(logitValues, n, marginLabels);
                NDArray objective = logits.mul(scope.create(lossWeights, new Shape(n, classCount))).sum();
                collector.backward(objective);
            }
            return new Pass(logitValues, images.getGradient().toFloatArray());
        }
    }

    private float[] marginWeights(float[] logits, int n, int[] labels) {
        float[] weights = new float[n * classCount];
        for (int i = 0; i < n; i++) {
            int other = strongestOther(logits, i, labels[i]);
            weights[i * classCount + other] = 1f;
            weights[i * classCount + labels[i]] = -1f;
        }
        return weights;
    }

    /** Returns the class with the highest logit of image {@code i}. */
    public int predicted(float[] logits, int i) {
        int best = 0;
        int base = i * classCount;
        for (int k = 1; k < classCount; k++) {
            if (logits[base + k] > logits[base + best]) {
                best = k;
            }
        }
        return best;
    }

    /** Returns the class other than {@code label} with the highest logit of image {@code i}. */
    public int strongestOther(float[] logits, int i, int label) {
        int best = -1;
        int base = i * classCount;
        for (int k = 0; k < classCount; k++) {
            if (k != label && (best < 0 || logits[base + k] > logits[base + best])) {
                best = k;
            }
        }
        return best;
    }

    private NDArray checkLogits(NDArray logits, int n) {
        Shape shape = logits.getShape();
        if (shape.dimension() != 2 || shape.get(0) != n || shape.get(1) != classCount) {
            throw new IllegalStateException("the classifier returned logits of shape " + shape + ", expected ("
                    + n + ", " + classCount + ")");
        }
        return logits;
    }

    /**
     * Result of a forward and backward pass.
     *
     * @param logits   {@code n * classCount} logits, image after image
     * @param gradient {@code n * imageSize} gradient values, image after image
     */
    public record Pass(float[] logits, float[] gradient) {
    }
}
