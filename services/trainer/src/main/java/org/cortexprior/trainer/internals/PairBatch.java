package org.cortexprior.trainer.internals;

/**
 * One batch of stimulus pairs: {@code 2P} images of {@code resolution x resolution} pixels in [0, 1]
 * (rows {@code 0..P-1} the first images, {@code P..2P-1} the second), and the P target similarities.
 */
public record PairBatch(float[] pixels, float[] targets, int pairs, int resolution) {
}
