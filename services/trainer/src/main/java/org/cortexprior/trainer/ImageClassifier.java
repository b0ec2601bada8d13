package org.cortexprior.trainer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A trained image classifier as the evaluator sees it: images in, logits out, differentiable with
 * respect to the input so that gradient attacks can run through it.
 *
 * <p>Input: float32 {@code (N, C, H, W)} with pixel values in [0, 1] (grayscale: C = 1); any
 * fixed front end (input scaling, blur) is applied inside. Output: float32 logits
 * {@code (N, classCount())}, with no softmax. Evaluation mode: no dropout, batch-norm uses its
 * running statistics, and no parameter is updated.
 *
 * <p>Not thread-safe; one evaluator thread uses an instance. {@link #close()} releases its native
 * memory.
 */
public interface ImageClassifier extends AutoCloseable {

    /** Returns the number of classes. */
    int classCount();

    /** Returns the class names in logit order. */
    java.util.List<String> classNames();

    /** Returns the expected input shape {@code (C, H, W)}. */
    long[] inputShape();

    /** Returns the device the model runs on. */
    Device device();

    /** Returns the manager that owns the model's parameters; callers create inputs under a child of it. */
    NDManager manager();

    /**
     * Computes logits. The result is attached to the input's manager, and gradients flow to the input
     * when called inside a {@code GradientCollector} with {@code input.setRequiresGradient(true)}.
     */
    NDArray logits(NDArray images);

    @Override
    void close();
}
