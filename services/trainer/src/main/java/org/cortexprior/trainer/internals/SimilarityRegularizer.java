package org.cortexprior.trainer.internals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * The similarity loss that pulls a network's representation of image pairs toward a target
 * similarity (neural, pixel or a control).
 *
 * <p>A pair batch of P pairs is one array of 2P images: rows {@code 0..P-1} are the first images
 * and rows {@code P..2P-1} the second images of the pairs. At every tap the features are centred by
 * the tap's per-channel running mean, flattened, and compared by cosine; the tap cosines are mixed
 * with {@code softmax(gamma)}. The loss is the mean over pairs of
 * {@code (2 atanh(S_model) - 2 atanh(S_target))^2}, both clipped to {@code [-1 + eps, 1 - eps]} so
 * that atanh stays finite (the gradient is zero where the model similarity is clipped).
 *
 * <p>Stateless; every method works on any device and on float32 or float64.
 */
public final class SimilarityRegularizer {

    /** Weight of the previous running mean in the per-tap EMA. */
    public static final double DEFAULT_MEAN_MOMENTUM = 0.9;

    private SimilarityRegularizer() {
    }

    /**
     * Updates each tap's running mean in place with the per-channel mean of the batch:
     * {@code mean = beta * mean + (1 - beta) * batchMean}. No gradient flows into the means.
     */
    public static void updateMeans(NDList taps, NDList means, double beta) {
        for (int k = 0; k < taps.size(); k++) {
            NDArray batchMean = channelRows(taps.get(k).stopGradient()).mean(new int[] {0});
            NDArray mean = means.get(k);
            mean.muli(beta).addi(batchMean.mul(1 - beta));
            batchMean.close();
        }
    }

    /** Returns the cosine of each pair at one tap, shape (P), after centring by {@code mean}. */
    public static NDArray tapCosine(NDArray tap, NDArray mean) {
        long images = tap.getShape().get(0);
        long pairs = images / 2;
        // Features flattened in (H, W, C) order: a cosine does not depend on the order, and for a
        // channels-last tap this needs no copy.
        NDArray centred = channelRows(tap).sub(mean.stopGradient().reshape(1, -1)).reshape(images, -1);
        NDArray first = centred.get(new NDIndex("0:{}", pairs));
        NDArray second = centred.get(new NDIndex("{}:", pairs));
        NDArray dot = first.mul(second).sum(new int[] {1});
        NDArray norms = first.square().sum(new int[] {1}).mul(second.square().sum(new int[] {1})).sqrt();
        return dot.div(norms.maximum(1e-12));
    }

    /**
     * Returns a tap (N, C, H, W) as rows of channel values, shape (N * H * W, C). A tap stored
     * channels last, as the network's taps are, becomes a view; any other layout is copied.
     */
    static NDArray channelRows(NDArray tap) {
        long channels = tap.getShape().get(1);
        return tap.transpose(0, 2, 3, 1).reshape(-1, channels);
    }

    /** Returns the model similarity of each pair, shape (P): the softmax(gamma)-weighted tap cosines. */
    public static NDArray modelSimilarity(NDList taps, NDList means, NDArray gamma) {
        NDList cosines = new NDList();
        for (int k = 0; k < taps.size(); k++) {
            cosines.add(tapCosine(taps.get(k), means.get(k)));
        }
        NDArray stacked = NDArrays.stack(cosines);
        NDArray weights = gamma.softmax(0).reshape(-1, 1);
        return stacked.mul(weights).sum(new int[] {0});
    }

    /** Returns the scalar loss mean((2 atanh(S_model) - 2 atanh(S_target))^2). */
    public static NDArray loss(NDArray modelSimilarity, NDArray targetSimilarity, double epsilon) {
        NDArray model = twiceAtanh(modelSimilarity.clip(-1 + epsilon, 1 - epsilon));
        NDArray target = twiceAtanh(targetSimilarity.clip(-1 + epsilon, 1 - epsilon));
        return model.sub(target.stopGradient()).square().mean();
    }

    /** Returns {@code 2 atanh(x) = ln(1 + x) - ln(1 - x)}; DJL's PyTorch engine has no atanh. */
    static NDArray twiceAtanh(NDArray x) {
        return x.add(1).log().sub(x.neg().add(1).log());
    }
}
