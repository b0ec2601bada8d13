package org.cortexprior.predictor.internals;

import java.nio.ByteBuffer;

import org.cortexprior.avro.StimulusImage;

/** Converts stimulus images to the models' input: grayscale, size x size, values in [0, 1]. */
public final class StimulusPixels {

    private StimulusPixels() {
    }

    /** Returns the image as size x size grayscale, averaging the source pixels each output pixel covers. */
    public static float[] grayscale(StimulusImage image, int size) {
        int width = image.getWidth();
        int height = image.getHeight();
        int channels = image.getChannels();
        ByteBuffer pixels = image.getPixels().duplicate();
        int base = pixels.position();
        float[] gray = new float[width * height];
        for (int i = 0; i < width * height; i++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += pixels.get(base + i * channels + c) & 0xFF;
            }
            gray[i] = sum / channels / 255f;
        }
        return resize(gray, width, height, size);
    }

    /** Box-filter resampling of a width x height image to size x size. */
    public static float[] resize(float[] gray, int width, int height, int size) {
        float[] out = new float[size * size];
        for (int y = 0; y < size; y++) {
            double y0 = (double) y * height / size;
            double y1 = (double) (y + 1) * height / size;
            for (int x = 0; x < size; x++) {
                double x0 = (double) x * width / size;
                double x1 = (double) (x + 1) * width / size;
                double sum = 0;
                double area = 0;
                for (int sy = (int) Math.floor(y0); sy < Math.min(height, Math.ceil(y1)); sy++) {
                    double wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
                    for (int sx = (int) Math.floor(x0); sx < Math.min(width, Math.ceil(x1)); sx++) {
                        double wx = Math.min(x1, sx + 1) - Math.max(x0, sx);
                        sum += gray[sy * width + sx] * wx * wy;
                        area += wx * wy;
                    }
                }
                out[y * size + x] = (float) (sum / area);
            }
        }
        return out;
    }
}
