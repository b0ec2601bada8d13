package org.cortexprior.trainer.internals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import ai.djl.Device;
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
 * <p>On several devices the batch is split into one shard per device (see the data-parallel
 * constructor). Not thread-safe; the thread that runs the loop owns it.
 */
public final class TrainingStep implements AutoCloseable {

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
    private final DeviceReplicas replicas;

    /**
     * @param manager parent of each step's arrays, which are closed when the step ends
     * @param alpha weight of the similarity loss
     * @param epsilon clipping margin that keeps atanh finite
     * @param meanMomentum weight of the previous value in each tap's running mean
     */
    public TrainingStep(TappedResNet model, ParameterStore store, MomentumSgd sgd, NDManager manager,
                        PairMode pairMode, double alpha, double epsilon, double meanMomentum) {
        this(model, store, sgd, manager, pairMode, alpha, epsilon, meanMomentum, List.of());
    }

    /**
     * A data-parallel step: the batch and the pair batch are split into one shard per device, the
     * first on {@code manager}'s device with the model's own parameters, the others on
     * {@code replicaDevices} with copies refreshed every step. Each shard's losses are weighted by
     * its share of the batch, so the summed gradients are those of the whole batch. The exception
     * is batch normalisation and the tap means, which see one shard at a time, as in PyTorch's
     * distributed data-parallel training without synchronised batch norm.
     *
     * @param replicaDevices devices after the first; empty for a single-device step. The copies on
     *     them belong to {@code manager} and are released with it
     */
    public TrainingStep(TappedResNet model, ParameterStore store, MomentumSgd sgd, NDManager manager,
                        PairMode pairMode, double alpha, double epsilon, double meanMomentum,
                        List<Device> replicaDevices) {
        this.model = model;
        this.store = store;
        this.sgd = sgd;
        this.manager = manager;
        this.pairMode = pairMode;
        this.alpha = alpha;
        this.epsilon = epsilon;
        this.meanMomentum = meanMomentum;
        this.replicas = replicaDevices.isEmpty() ? null : new DeviceReplicas(model, manager, replicaDevices);
    }

    /** Releases the parameter copies on the replica devices; closing {@code manager} also does. */
    @Override
    public void close() {
        if (replicas != null) {
            replicas.close();
        }
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
        int shards = 1 + (replicas == null ? 0 : replicas.size());
        if (labels.length < shards || (pairs != null && pairs.pairs() < shards)) {
            throw new IllegalArgumentException("A step on " + shards + " devices needs at least " + shards
                    + " classification images and pairs, not " + labels.length + " and "
                    + (pairs == null ? 0 : pairs.pairs()));
        }
        if (replicas != null) {
            replicas.refresh();
        }

        int[] imageBounds = shardBounds(labels.length, shards);
        int[] pairBounds = pairs == null ? null : shardBounds(pairs.pairs(), shards);
        double crossEntropy = 0;
        double similarity = pairs != null && pairMode == PairMode.REGULARISE ? 0 : Double.NaN;
        float[] logits = new float[labels.length * model.spec().classNames().size()];
        List<NDManager> shardManagers = new ArrayList<>();
        try {
            // Every shard is queued before any scalar is read back, so the devices can overlap.
            // NOTE: this thread launches the shards one after another, so GPUs overlap only as far as
            // asynchronous kernel launches allow. The speed-up on several GPUs is unmeasured.
            List<NDArray> ceLosses = new ArrayList<>();
            List<NDArray> simLosses = new ArrayList<>();
            List<NDArray> shardLogits = new ArrayList<>();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                for (int shard = 0; shard < shards; shard++) {
                    NDManager shardManager = shard == 0 ? manager.newSubManager() : replicas.manager(shard - 1).newSubManager();
                    shardManagers.add(shardManager);
                    ParameterStore shardStore = shard == 0 ? store : replicas.store(shard - 1);
                    int from = imageBounds[shard];
                    int to = imageBounds[shard + 1];
                    float[] shardImages = shards == 1 ? images : Arrays.copyOfRange(images, from * size * size, to * size * size);
                    int[] shardLabels = shards == 1 ? labels : Arrays.copyOfRange(labels, from, to);
                    NDArray x = shardManager.create(shardImages, new Shape(to - from, 1, size, size));
                    NDArray y = shardManager.create(shardLabels);
                    NDArray classLogits = model.forward(shardStore, new NDList(x), true).head();
                    NDArray ceLoss = crossEntropy(classLogits, y, model.spec().classNames().size());
                    NDArray loss = weighted(ceLoss, (double) (to - from) / labels.length);
                    ceLosses.add(ceLoss);
                    shardLogits.add(classLogits);
                    if (pairs != null) {
                        PairBatch shardPairs = shards == 1 ? pairs : pairs.slice(pairBounds[shard], pairBounds[shard + 1]);
                        double pairWeight = (double) shardPairs.pairs() / pairs.pairs();
                        NDArray pairImages = shardManager.create(shardPairs.pixels(),
                                new Shape(2L * shardPairs.pairs(), 1, shardPairs.resolution(), shardPairs.resolution()));
                        NDList outputs = model.forward(shardStore, new NDList(pairImages), true);
                        if (pairMode == PairMode.REGULARISE) {
                            NDList taps = outputs.subNDList(1);
                            NDList means = new NDList();
                            for (ai.djl.nn.Parameter mean : model.tapMeans) {
                                means.add(shardStore.getValue(mean, pairImages.getDevice(), true));
                            }
                            NDArray gamma = shardStore.getValue(model.gamma, pairImages.getDevice(), true);
                            SimilarityRegularizer.updateMeans(taps, means, setMeans ? 0 : meanMomentum);
                            NDArray modelSimilarity = SimilarityRegularizer.modelSimilarity(taps, means, gamma);
                            NDArray simLoss = SimilarityRegularizer.loss(modelSimilarity,
                                    shardManager.create(shardPairs.targets()), epsilon);
                            simLosses.add(simLoss);
                            loss = loss.add(weighted(simLoss, pairWeight).mul(alpha));
                        } else {
                            loss = loss.add(outputs.head().mean().mul(0));
                        }
                    }
                    collector.backward(loss);
                }

                for (int shard = 0; shard < shards; shard++) {
                    int from = imageBounds[shard];
                    crossEntropy += ceLosses.get(shard).getFloat() * (imageBounds[shard + 1] - from) / labels.length;
                    if (!simLosses.isEmpty()) {
                        similarity += simLosses.get(shard).getFloat() * (pairBounds[shard + 1] - pairBounds[shard])
                                / pairs.pairs();
                    }
                    float[] part = shardLogits.get(shard).toFloatArray();
                    System.arraycopy(part, 0, logits, from * model.spec().classNames().size(), part.length);
                }
            }
            if (replicas != null) {
                replicas.addGradientsToPrimary();
            }
            sgd.step(learningRate);
        } finally {
            for (NDManager shardManager : shardManagers) {
                shardManager.close();
            }
        }
        return new Result(crossEntropy, similarity, logits);
    }

    /** Returns the start of each of {@code shards} near-equal shards of {@code count} items, then {@code count}. */
    private static int[] shardBounds(int count, int shards) {
        int[] bounds = new int[shards + 1];
        for (int shard = 0; shard <= shards; shard++) {
            bounds[shard] = count * shard / shards;
        }
        return bounds;
    }

    /** Returns {@code loss * weight}, or the loss itself for a weight of 1 (one shard), leaving its graph as it was. */
    private static NDArray weighted(NDArray loss, double weight) {
        return weight == 1.0 ? loss : loss.mul(weight);
    }

    static NDArray crossEntropy(NDArray logits, NDArray labels, int classes) {
        NDArray oneHot = labels.oneHot(classes).toType(logits.getDataType(), false);
        return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
    }
}
