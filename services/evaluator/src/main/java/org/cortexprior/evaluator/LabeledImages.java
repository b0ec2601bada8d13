package org.cortexprior.evaluator;

import java.util.List;
import java.util.Objects;

/**
 * A labelled image set as the evaluator reads it: pixels in [0, 1], stored image after image in
 * {@code (C, H, W)} order, and one class index per image.
 *
 * <p>The pixel array is not copied, so callers must not change it after construction. Immutable
 * otherwise and safe to share between threads.
 */
public final class LabeledImages {

    private final float[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final List<String> classNames;
    private final String source;

    /**
     * Creates an image set.
     *
     * @param pixels     {@code labels.length * channels * height * width} values in [0, 1]
     * @param labels     class index per image, in [0, classNames.size())
     * @param source     where the images came from (a path and split), shown in reports
     * @throws IllegalArgumentException when the sizes disagree or a label is out of range
     */
    public LabeledImages(float[] pixels, int[] labels, int channels, int height, int width,
            List<String> classNames, String source) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape must be positive, got (" + channels + ", " + height
                    + ", " + width + ") in " + source);
        }
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new IllegalArgumentException("pixel count " + pixels.length + " does not match " + labels.length
                    + " images of shape (" + channels + ", " + height + ", " + width + ") in " + source);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " of image " + i + " in " + source
                        + " is outside the " + classNames.size() + " classes");
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classNames = List.copyOf(classNames);
        this.source = source;
    }

    /** Returns the number of images. */
    public int size() {
        return labels.length;
    }

    /** Returns the number of values per image, {@code C * H * W}. */
    public int imageSize() {
        return channels * height * width;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Returns the class index of image {@code index}. */
    public int label(int index) {
        return labels[index];
    }

    /** Returns the class names in label order. */
    public List<String> classNames() {
        return classNames;
    }

    /** Returns a description of where the images came from. */
    public String source() {
        return source;
    }

    /** Copies image {@code index} into {@code target} at {@code offset}. */
    public void copyImage(int index, float[] target, int offset) {
        int size = imageSize();
        System.arraycopy(pixels, index * size, target, offset, size);
    }

    /** Returns a new set with the images at {@code indices}, in that order. */
    public LabeledImages subset(int[] indices) {
        int size = imageSize();
        float[] selected = new float[indices.length * size];
        int[] selectedLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            copyImage(indices[i], selected, i * size);
            selectedLabels[i] = labels[indices[i]];
        }
        return new LabeledImages(selected, selectedLabels, channels, height, width, classNames,
                source + " (subset of " + indices.length + ")");
    }
}
