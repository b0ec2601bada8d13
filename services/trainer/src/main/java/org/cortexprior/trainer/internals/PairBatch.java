package org.cortexprior.trainer.internals;

import java.util.Arrays;

/**
 * One batch of stimulus pairs: {@code 2P} images of {@code resolution x resolution} pixels in [0, 1]
 * (rows {@code 0..P-1} the first images, {@code P..2P-1} the second), and the P target similarities.
 */
public record PairBatch(float[] pixels, float[] targets, int pairs, int resolution) {

    /** Returns pairs {@code from} (inclusive) to {@code to} (exclusive) as a batch of their own. */
    public PairBatch slice(int from, int to) {
        if (from < 0 || to > pairs || from > to) {
            throw new IndexOutOfBoundsException("pairs " + from + " to " + to + " of a batch of " + pairs);
        }
        int image = resolution * resolution;
        int count = to - from;
        float[] sliced = new float[2 * count * image];
        System.arraycopy(pixels, from * image, sliced, 0, count * image);
        System.arraycopy(pixels, (pairs + from) * image, sliced, count * image, count * image);
        return new PairBatch(sliced, Arrays.copyOfRange(targets, from, to), count, resolution);
    }
}
