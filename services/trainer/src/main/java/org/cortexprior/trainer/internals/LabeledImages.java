package org.cortexprior.trainer.internals;

import java.util.List;

/**
 * A set of square grayscale images with class labels, stored as 8-bit pixels.
 *
 * @param classNames class names; label {@code i} names {@code classNames.get(i)}
 * @param imageSize edge length in pixels
 * @param pixels row-major planes, image {@code i} at offset {@code i * imageSize * imageSize}
 * @param labels class index of each image
 */
public record LabeledImages(List<String> classNames, int imageSize, byte[] pixels, int[] labels) {

    public int size() {
        return labels.length;
    }

    /** Returns a set with no images. */
    public static LabeledImages empty(List<String> classNames, int imageSize) {
        return new LabeledImages(classNames, imageSize, new byte[0], new int[0]);
    }
}
