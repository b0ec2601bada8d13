package org.cortexprior.recordings;

/**
 * The single-trial responses of a session arranged as neurons x images x repeats: every
 * presentation of every image, in recording order, with padding skipped. Images with one
 * presentation have one repeat.
 *
 * <p>For the V4 layout this is the raw file (neurons x images x repeats, missing repeats padded
 * with NaN); for layouts with one trial per presentation it groups the trials by image. Values are
 * read on access, not held in memory. Thread-safe for reads.
 */
public interface SingleTrials {

    int neuronCount();

    /** Returns the number of images, in the order of {@link RecordedSession#imageIds()}. */
    int imageCount();

    /** Returns the number of valid presentations of image {@code imageIndex}. */
    int repeatCount(int imageIndex);

    /** Returns the largest {@link #repeatCount(int)} over all images. */
    int maxRepeats();

    /**
     * Returns every neuron's response to presentation {@code repeat} (from 0 to
     * {@code repeatCount(imageIndex) - 1}) of image {@code imageIndex}; a new array each call.
     */
    float[] presentation(int imageIndex, int repeat);

    /** Returns the file the values come from. */
    String source();

    /** Returns the mean over the valid presentations of one image, per neuron. */
    default float[] mean(int imageIndex) {
        int repeats = repeatCount(imageIndex);
        double[] sum = new double[neuronCount()];
        for (int r = 0; r < repeats; r++) {
            float[] values = presentation(imageIndex, r);
            for (int n = 0; n < sum.length; n++) {
                sum[n] += values[n];
            }
        }
        float[] mean = new float[sum.length];
        for (int n = 0; n < mean.length; n++) {
            mean[n] = repeats == 0 ? Float.NaN : (float) (sum[n] / repeats);
        }
        return mean;
    }
}
