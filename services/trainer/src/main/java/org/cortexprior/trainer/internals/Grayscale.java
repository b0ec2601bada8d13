package org.cortexprior.trainer.internals;

import java.awt.image.BufferedImage;

/**
 * Conversion of color images to 8-bit grayscale and resizing of grayscale planes.
 *
 * <p>Formula: ITU-R BT.601 luma, {@code Y = 0.299 R + 0.587 G + 0.114 B}, in 16-bit fixed point
 * ({@code (19595 R + 38470 G + 7471 B + 32768) >> 16}) and so rounded to the nearest integer. This
 * is what Pillow's {@code Image.convert("L")} and torchvision's {@code Grayscale} transform on PIL
 * images compute, so grayscale CIFAR here matches a PyTorch user's.
 */
public final class Grayscale {

    private Grayscale() {
    }

    /** Returns the luma of one RGB pixel. */
    public static int luma(int r, int g, int b) {
        return (19595 * r + 38470 * g + 7471 * b + 32768) >> 16;
    }

    /** Converts any decoded image to a row-major grayscale plane of its own size. */
    public static byte[] of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] gray = new byte[w * h];
        boolean isGray = image.getType() == BufferedImage.TYPE_BYTE_GRAY;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (isGray) {
                    gray[y * w + x] = (byte) image.getRaster().getSample(x, y, 0);
                } else {
                    int rgb = image.getRGB(x, y);
                    gray[y * w + x] = (byte) luma((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
                }
            }
        }
        return gray;
    }

    /**
     * Converts interleaved 8-bit pixels ({@code height x width x channels}, channels 1, 3 or 4) to a
     * grayscale plane; a fourth channel (alpha) is ignored.
     */
    public static byte[] ofInterleaved(byte[] pixels, int width, int height, int channels) {
        byte[] gray = new byte[width * height];
        for (int i = 0; i < width * height; i++) {
            if (channels == 1) {
                gray[i] = pixels[i];
            } else {
                int o = i * channels;
                gray[i] = (byte) luma(pixels[o] & 0xff, pixels[o + 1] & 0xff, pixels[o + 2] & 0xff);
            }
        }
        return gray;
    }

    /**
     * Crops the central square of a plane and resizes it to {@code size x size} by area averaging
     * (each output pixel is the mean of the input area it covers, with fractional edge weights),
     * which suits the usual case of shrinking. Values are rounded to 8 bits.
     */
    public static byte[] squareResize(byte[] plane, int width, int height, int size) {
        int side = Math.min(width, height);
        int x0 = (width - side) / 2;
        int y0 = (height - side) / 2;
        if (side == size) {
            byte[] out = new byte[size * size];
            for (int y = 0; y < size; y++) {
                System.arraycopy(plane, (y0 + y) * width + x0, out, y * size, size);
            }
            return out;
        }
        double scale = (double) side / size;
        byte[] out = new byte[size * size];
        for (int oy = 0; oy < size; oy++) {
            double top = oy * scale;
            double bottom = top + scale;
            for (int ox = 0; ox < size; ox++) {
                double left = ox * scale;
                double right = left + scale;
                double sum = 0;
                double area = 0;
                for (int iy = (int) Math.floor(top); iy < Math.ceil(bottom) && iy < side; iy++) {
                    double wy = Math.min(bottom, iy + 1) - Math.max(top, iy);
                    for (int ix = (int) Math.floor(left); ix < Math.ceil(right) && ix < side; ix++) {
                        double wx = Math.min(right, ix + 1) - Math.max(left, ix);
                        double weight = wx * wy;
                        sum += weight * (plane[(y0 + iy) * width + x0 + ix] & 0xff);
                        area += weight;
                    }
                }
                out[oy * size + ox] = (byte) Math.round(sum / area);
            }
        }
        return out;
    }
}
