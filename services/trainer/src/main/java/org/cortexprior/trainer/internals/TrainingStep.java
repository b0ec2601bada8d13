package org.cortexprior.trainer.internals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;

/**
 * One optimisation step of a {@link TappedResNet}: the classification batch and the pair batch
 * through the same trunk, cross-entropy plus alpha times the similarity loss, backward, and one
 * {@link MomentumSgd} update. {@link TrainerLoop} runs it for every step and the trainer benchmark
 * times it directly.
 *
 * <p>Not thread-safe; the thread that runs the loop owns it.
 */
public final class TrainingStep {

    /** Use of the pair batch in a step. */
    public enum PairMode {
        /** Cross-entropy plus alpha times the similarity loss of the pair batch. */
        REGULARISE,
        /**
         * The benchmark baseline for the regulariser's own cost. The pair batch goes forward and
         * backward through the trunk, through a surrogate loss of its mean logit times zero, and
         * no similarity is computed. The step then does the same trunk work as a regularised step
         * without the centring, cosines, mixing and atanh loss.
         */
        WITHOUT_SIMILARITY
    }

    /**
     * Losses and logits of one step.
     *
     * @param crossEntropy cross-entropy of the classification batch
     * @param similarityLoss similarity loss of the pair batch; NaN without a pair batch or in
     *     {@link PairMode#WITHOUT_SIMILARITY}
     * @param logits classification logits, row-major (batch, classes)
     */
    public record Result(double crossEntropy, double similarityLoss, float[] logits) {
    }

    private final TappedResNet model;
    private final ParameterStore store;
    private final MomentumSgd sgd;
    private final NDManager manager;
    private final PairMode pairMode;
    private final double alpha;
    private final double epsilon;
    private final double meanMomentum;

    /**
     * @param manager parent of each step's arrays, which are closed when the step ends
     * @param alpha weight of the similarity loss
     * @param epsilon clipping margin that keeps atanh finite
     * @param meanMomentum weight of the previous value in each tap's running mean
     */
    public TrainingStep(TappedResNet model, ParameterStore store, MomentumSgd sgd, NDManager manager,
                        PairMode pairMode, double alpha, double epsilon, double meanMomentum) {
        this.model = model;
        this.store = store;
        this.sgd = sgd;
        this.manager = manager;
        this.pairMode = pairMode;
        this.alpha = alpha;
        this.epsilon = epsilon;
        this.meanMomentum = meanMomentum;
    }

    /**
     * Runs one step.
     *
     * @param images classification images in [0, 1], row-major {@code (labels.length, 1, size, size)}
     * @param labels class index of each image
     * @param size image edge in pixels
     * @param pairs the pair batch, or null for a step without one
     * @param learningRate SGD learning rate of this step
     * @param setMeans whether the pair batch's channel means replace the running means outright
     *     (the first pair batch of a run) instead of being blended in
     */
    public Result run(float[] images, int[] labels, int size, PairBatch pairs, double learningRate, boolean setMeans) {
        double crossEntropy;
        double similarity = Double.NaN;
        float[] logits;
        try (NDManager stepManager = manager.newSubManager()) {
            NDArray x = stepManager.create(images, new Shape(labels.length, 1, size, size));
            NDArray y = stepManager.create(labels);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray classLogits = model.forward(store, new NDList(x), true).head();
                NDArray ceLoss = crossEntropy(classLogits, y, model.spec().classNames().size());
                NDArray loss = ceLoss;
                NDArray simLoss = null;
                if (pairs != null) {
                    NDArray pairImages = stepManager.create(pairs.pixels(),
                            new Shape(2L * pairs.pairs(), 1, pairs.resolution(), pairs.resolution()));
                    NDList outputs = model.forward(store, new NDList(pairImages), true);
                    if (pairMode == PairMode.REGULARISE) {
                        NDList taps = outputs.subNDList(1);
                        SimilarityRegularizer.updateMeans(taps, model.tapMeans(), setMeans ? 0 : meanMomentum);
                        NDArray modelSimilarity = SimilarityRegularizer.modelSimilarity(taps, model.tapMeans(),
                                model.gamma());
                        simLoss = SimilarityRegularizer.loss(modelSimilarity, stepManager.create(pairs.targets()),
                                epsilon);
                        loss = ceLoss.add(simLoss.mul(alpha));
                    } else {
                        loss = ceLoss.add(outputs.head().mean().mul(0));
                    }
                }
                collector.backward(loss);
                crossEntropy = ceLoss.getFloat();
                if (simLoss != null) {
                    similarity = simLoss.getFloat();
                }
                logits = classLogits.toFloatArray();
            }
            sgd.step(learningRate);
        }
        return new Result(crossEntropy, similarity, logits);
    }

    static NDArray crossEntropy(NDArray logits, NDArray labels, int classes) {
        NDArray oneHot = labels.oneHot(classes).toType(logits.getDataType(), false);
        return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
    }
}
