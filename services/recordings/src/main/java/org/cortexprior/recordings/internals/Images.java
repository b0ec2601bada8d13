package org.cortexprior.recordings.internals;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import org.cortexprior.recordings.NpyArray;
import org.cortexprior.recordings.NpyDtype;
import org.cortexprior.recordings.RecordingFormatException;
import org.cortexprior.recordings.Stimulus;

/** Decodes stimulus images from encoded files (JPEG, PNG) and from NumPy arrays. */
public final class Images {

    private Images() {
    }

    /** Decodes a JPEG or PNG file to 8-bit grayscale or RGB pixels. */
    public static Stimulus decode(String imageId, byte[] encoded, String source) {
        BufferedImage image;
        // A memory-cached stream: ImageIO.read on a plain InputStream may buffer it in a temporary
        // file, which costs more than decoding a small stimulus. ImageIO.read closes the stream.
        try {
            ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
            image = ImageIO.read(input);
        } catch (IOException | RuntimeException e) {
            throw new RecordingFormatException(source + ": cannot decode the image: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new RecordingFormatException(source + ": not a readable JPEG or PNG image (" + encoded.length + " bytes)");
        }
        int width = image.getWidth();
        int height = image.getHeight();
        boolean gray = image.getColorModel().getNumColorComponents() == 1;
        byte[] pixels = gray ? grayPixels(image) : rgbPixels(image);
        return new Stimulus(imageId, width, height, gray ? 1 : 3, pixels,
                source + " (" + width + "x" + height + (gray ? " grayscale" : " RGB") + ")");
    }

    private static byte[] grayPixels(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY && isPacked(image, width, 1)) {
            return ((DataBufferByte) image.getRaster().getDataBuffer()).getData().clone();
        }
        byte[] pixels = new byte[width * height];
        Raster raster = image.getRaster();
        // 16-bit grayscale PNGs keep their 8 most significant bits.
        int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            raster.getSamples(0, y, width, 1, 0, row);
            for (int x = 0; x < width; x++) {
                pixels[y * width + x] = (byte) (row[x] >>> shift);
            }
        }
        return pixels;
    }

    private static byte[] rgbPixels(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        byte[] pixels = new byte[width * height * 3];

        // The JPEG decoder hands back packed BGR bytes; reordering them directly is many times faster
        // than going through the colour model pixel by pixel.
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && isPacked(image, width, 3)) {
            byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < pixels.length; i += 3) {
                pixels[i] = bgr[i + 2];
                pixels[i + 1] = bgr[i + 1];
                pixels[i + 2] = bgr[i];
            }
            return pixels;
        }

        int[] rgb = image.getRGB(0, 0, width, height, null, 0, width);
        for (int i = 0; i < rgb.length; i++) {
            pixels[3 * i] = (byte) (rgb[i] >> 16);
            pixels[3 * i + 1] = (byte) (rgb[i] >> 8);
            pixels[3 * i + 2] = (byte) rgb[i];
        }
        return pixels;
    }

    /** Tells whether the raster is one byte buffer containing exactly the image, rows back to back. */
    private static boolean isPacked(BufferedImage image, int width, int channels) {
        Raster raster = image.getRaster();
        return raster.getParent() == null
                && raster.getDataBuffer() instanceof DataBufferByte buffer
                && buffer.getNumBanks() == 1
                && buffer.getOffset() == 0
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel model
                && model.getScanlineStride() == width * channels
                && model.getPixelStride() == channels
                && buffer.getData().length == width * image.getHeight() * channels;
    }

    /**
     * Converts image {@code index} of an image stack (N x H x W or N x H x W x C with C of 1 or 3;
     * pass index -1 for a single H x W, C x H x W with C of 1, or H x W x C image) to 8-bit pixels.
     * Unsigned 8-bit values are kept. Other numbers are rounded and clamped to 0..255, after scaling by
     * 255 when {@code unitRange} says the source values lie in [0, 1].
     */
    public static Stimulus fromArray(String imageId, NpyArray array, long index, boolean unitRange) {
        long[] shape = array.shape();
        int offsetDims = index < 0 ? 0 : 1;
        int dims = shape.length - offsetDims;
        if (!array.dtype().kind().isNumeric() || dims < 2 || dims > 3) {
            throw new RecordingFormatException(array.describe() + ": expected "
                    + (index < 0 ? "an H x W or H x W x C image" : "an N x H x W or N x H x W x C image stack")
                    + " of numbers");
        }
        int height;
        int width;
        int channels;
        boolean channelsFirst = false;
        if (dims == 2) {
            height = (int) shape[offsetDims];
            width = (int) shape[offsetDims + 1];
            channels = 1;
        } else if (shape[offsetDims] == 1 && shape[offsetDims + 2] != 1 && shape[offsetDims + 2] != 3) {
            // A leading channel axis of 1 (C x H x W), as neuralpredictors stores grayscale images.
            channelsFirst = true;
            channels = 1;
            height = (int) shape[offsetDims + 1];
            width = (int) shape[offsetDims + 2];
        } else {
            height = (int) shape[offsetDims];
            width = (int) shape[offsetDims + 1];
            channels = (int) shape[offsetDims + 2];
        }
        if (channels != 1 && channels != 3) {
            throw new RecordingFormatException(array.describe() + ": images must have 1 or 3 channels, not " + channels);
        }
        long perImage = (long) height * width * channels;
        long start = index < 0 ? 0 : index * perImage;
        byte[] pixels = new byte[(int) perImage];
        boolean rawBytes = array.dtype().kind() == NpyDtype.Kind.UNSIGNED_INT && array.dtype().itemSize() == 1;
        for (int i = 0; i < pixels.length; i++) {
            double value = array.getDouble(start + i);
            if (!rawBytes) {
                if (!Double.isFinite(value)) {
                    throw new RecordingFormatException(array.describe() + ": image " + imageId
                            + " has a non-finite pixel value " + value + " at element " + (start + i));
                }
                value = Math.max(0, Math.min(255, Math.rint(unitRange ? value * 255 : value)));
            }
            pixels[i] = (byte) (int) value;
        }
        String conversion = "";
        if (!rawBytes) {
            conversion = unitRange ? ", scaled from [0, 1] to 0..255" : ", rounded and clamped to 0..255";
        }
        return new Stimulus(imageId, width, height, channels, pixels,
                array.source() + (index < 0 ? "" : " [" + index + "]") + (channelsFirst ? " (1 x H x W)" : "") + conversion);
    }

    /** Returns whether every value of a numeric array lies in [0, 1], the test for unit-range float images. */
    public static boolean isUnitRange(NpyArray array) {
        if (array.dtype().kind() != NpyDtype.Kind.FLOAT) {
            return false;
        }
        for (long i = 0; i < array.size(); i++) {
            double value = array.getDouble(i);
            if (value > 1 || value < 0) {
                return false;
            }
        }
        return true;
    }
}
