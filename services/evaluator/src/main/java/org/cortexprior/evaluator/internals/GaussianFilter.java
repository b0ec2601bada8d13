package org.cortexprior.evaluator.internals;

/**
 * Separable Gaussian blur of images in {@code (C, H, W)} order, with edges reflected (the pixel
 * sequence {@code c b a | a b c}) and the kernel truncated at 3 sigma. Stateless and thread-safe.
 */
public final class GaussianFilter {

    private final float[] kernel;
    private final int radius;

    /** Creates a filter with standard deviation {@code sigma} in pixels. */
    public GaussianFilter(double sigma) {
        if (!(sigma > 0)) {
            throw new IllegalArgumentException("sigma must be > 0, got " + sigma);
        }
        radius = Math.max(1, (int) Math.ceil(3 * sigma));
        kernel = new float[2 * radius + 1];
        double sum = 0;
        for (int k = -radius; k <= radius; k++) {
            double weight = Math.exp(-k * k / (2 * sigma * sigma));
            kernel[k + radius] = (float) weight;
            sum += weight;
        }
        for (int k = 0; k < kernel.length; k++) {
            kernel[k] /= (float) sum;
        }
    }

    /** Blurs one image read from {@code source} at {@code offset} into a new array. */
    public float[] blur(float[] source, int offset, int channels, int height, int width) {
        float[] rows = new float[channels * height * width];
        float[] result = new float[channels * height * width];
        for (int c = 0; c < channels; c++) {
            int plane = c * height * width;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double sum = 0;
                    for (int k = -radius; k <= radius; k++) {
                        sum += kernel[k + radius] * source[offset + plane + y * width + reflect(x + k, width)];
                    }
                    rows[plane + y * width + x] = (float) sum;
                }
            }
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double sum = 0;
                    for (int k = -radius; k <= radius; k++) {
                        sum += kernel[k + radius] * rows[plane + reflect(y + k, height) * width + x];
                    }
                    result[plane + y * width + x] = (float) sum;
                }
            }
        }
        return result;
    }

    private static int reflect(int index, int length) {
        if (length == 1) {
            return 0;
        }
        int period = 2 * length;
        int folded = Math.floorMod(index, period);
        return folded < length ? folded : period - 1 - folded;
    }
}
