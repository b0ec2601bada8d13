package org.cortexprior.recordings;

/**
 * One stimulus image, decoded to unsigned 8-bit pixels.
 *
 * @param imageId image id, unique across sessions: the session id, a slash, and the image's name in
 *     the recording (for example {@code v4-cowley2023/210325/1/image0001})
 * @param width width in pixels
 * @param height height in pixels
 * @param channels 1 for grayscale, 3 for RGB
 * @param pixels {@code height * width * channels} bytes, row-major, channels interleaved; read as
 *     unsigned values 0 to 255. Owned by the caller.
 * @param provenance file and entry the image was read from, and any conversion applied
 */
public record Stimulus(String imageId, int width, int height, int channels, byte[] pixels, String provenance) {

    public Stimulus {
        if ((long) width * height * channels != pixels.length) {
            throw new IllegalArgumentException("image " + imageId + ": " + pixels.length + " bytes for "
                    + width + " x " + height + " x " + channels);
        }
    }

    /** Returns the pixel value (0 to 255) at row {@code y}, column {@code x}, channel {@code c}. */
    public int pixel(int y, int x, int c) {
        return Byte.toUnsignedInt(pixels[(y * width + x) * channels + c]);
    }
}
