package org.cortexprior.predictor.internals;

import java.util.Arrays;
import java.util.Random;

/**
 * One session's trials as the model fitters see them: the distinct images (grayscale, size x
 * size), and per trial the image index, the response vector and whether it is held out for
 * validation.
 */
public final class FitData {

    private final int size;
    private final int neurons;
    private final float[][] images;
    private final int[] trialImage;
    private final float[][] responses;
    private final boolean[] validation;
    private final float[][] behaviour;
    private final float[][] pupilPosition;

    public FitData(int size, int neurons, float[][] images, int[] trialImage, float[][] responses, boolean[] validation) {
        this(size, neurons, images, trialImage, responses, validation, null, null);
    }

    /**
     * @param behaviour per trial running speed, pupil size and pupil size change, or null when not
     *     every trial has them
     * @param pupilPosition per trial pupil centre x and y, or null when not every trial has it
     */
    public FitData(int size, int neurons, float[][] images, int[] trialImage, float[][] responses, boolean[] validation,
                   float[][] behaviour, float[][] pupilPosition) {
        this.size = size;
        this.neurons = neurons;
        this.images = images;
        this.trialImage = trialImage;
        this.responses = responses;
        this.validation = validation;
        this.behaviour = behaviour;
        this.pupilPosition = pupilPosition;
    }

    /** Returns the same trials with another validation split. */
    public FitData withValidation(boolean[] heldOut) {
        return new FitData(size, neurons, images, trialImage, responses, heldOut, behaviour, pupilPosition);
    }

    /**
     * Marks a seeded random fraction of the images (with all their trials) as validation; used when
     * the recording has no validation tier.
     */
    public static boolean[] holdOutImages(int[] trialImage, int imageCount, double fraction, long seed) {
        Integer[] order = new Integer[imageCount];
        for (int i = 0; i < imageCount; i++) {
            order[i] = i;
        }
        java.util.Collections.shuffle(Arrays.asList(order), new Random(seed));
        boolean[] heldImage = new boolean[imageCount];
        int held = (int) Math.round(fraction * imageCount);
        for (int i = 0; i < held; i++) {
            heldImage[order[i]] = true;
        }
        boolean[] result = new boolean[trialImage.length];
        for (int t = 0; t < trialImage.length; t++) {
            result[t] = heldImage[trialImage[t]];
        }
        return result;
    }

    public int size() {
        return size;
    }

    public int neurons() {
        return neurons;
    }

    public float[][] images() {
        return images;
    }

    public int[] trialImage() {
        return trialImage;
    }

    public float[][] responses() {
        return responses;
    }

    public boolean[] validation() {
        return validation;
    }

    /** Returns per trial running speed, pupil size and its change, or null when trials lack behaviour. */
    public float[][] behaviour() {
        return behaviour;
    }

    /** Returns per trial the pupil centre (x, y), or null when trials lack it. */
    public float[][] pupilPosition() {
        return pupilPosition;
    }

    public int trialCount() {
        return trialImage.length;
    }

    /**
     * Averages the selected trials per image.
     *
     * @return per image the mean response (null for images without a selected trial)
     */
    public float[][] imageMeans(boolean heldOut) {
        float[][] sums = new float[images.length][];
        int[] counts = new int[images.length];
        for (int t = 0; t < trialImage.length; t++) {
            if (validation[t] != heldOut) {
                continue;
            }
            int image = trialImage[t];
            if (sums[image] == null) {
                sums[image] = new float[neurons];
            }
            for (int n = 0; n < neurons; n++) {
                sums[image][n] += responses[t][n];
            }
            counts[image]++;
        }
        for (int i = 0; i < images.length; i++) {
            if (sums[i] != null) {
                for (int n = 0; n < neurons; n++) {
                    sums[i][n] /= counts[i];
                }
            }
        }
        return sums;
    }
}
