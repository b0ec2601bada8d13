package org.cortexprior.recordings.internals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

import javax.imageio.ImageIO;

import org.cortexprior.recordings.Stimulus;
import org.junit.jupiter.api.Test;

/** Pixel order and values of decoded PNG and JPEG stimuli, on both the packed and the general path. */
class ImagesTest {

    @Test
    void rgbPngKeepsPixelsInRgbOrder() throws IOException {
        BufferedImage image = new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB);
        byte[] expected = fillRandom(image, 3);

        Stimulus stimulus = Images.decode("s/1", encode(image, "png"), "test.png");

        assertEquals(3, stimulus.channels());
        assertEquals(7, stimulus.width());
        assertEquals(5, stimulus.height());
        assertArrayEquals(expected, stimulus.pixels());
    }

    @Test
    void grayPngKeepsPixels() throws IOException {
        BufferedImage image = new BufferedImage(6, 4, BufferedImage.TYPE_BYTE_GRAY);
        Random random = new Random(3);
        byte[] expected = new byte[24];
        random.nextBytes(expected);
        image.getRaster().setDataElements(0, 0, 6, 4, expected);

        Stimulus stimulus = Images.decode("s/2", encode(image, "png"), "test.png");

        assertEquals(1, stimulus.channels());
        assertArrayEquals(expected, stimulus.pixels());
    }

    @Test
    void sixteenBitPngKeepsHighByte() throws IOException {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_USHORT_GRAY);
        int[] values = {0, 0x0100, 0x7fff, 0x8000, 0xff00, 0xffff};
        image.getRaster().setSamples(0, 0, 3, 2, 0, values);

        Stimulus stimulus = Images.decode("s/3", encode(image, "png"), "test16.png");

        assertArrayEquals(new byte[] {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0xff}, stimulus.pixels());
    }

    @Test
    void jpegMatchesColourModel() throws IOException {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        fillRandom(image, 5);
        byte[] jpeg = encode(image, "jpg");
        BufferedImage reference = ImageIO.read(new java.io.ByteArrayInputStream(jpeg));

        Stimulus stimulus = Images.decode("s/4", jpeg, "test.jpg");

        byte[] pixels = stimulus.pixels();
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int rgb = reference.getRGB(x, y);
                int i = 3 * (y * 16 + x);
                assertEquals((rgb >> 16) & 0xff, pixels[i] & 0xff, "red at " + x + "," + y);
                assertEquals((rgb >> 8) & 0xff, pixels[i + 1] & 0xff, "green at " + x + "," + y);
                assertEquals(rgb & 0xff, pixels[i + 2] & 0xff, "blue at " + x + "," + y);
            }
        }
    }

    private static byte[] fillRandom(BufferedImage image, long seed) {
        Random random = new Random(seed);
        byte[] rgbBytes = new byte[image.getWidth() * image.getHeight() * 3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = random.nextInt(1 << 24);
                image.setRGB(x, y, rgb);
                int i = 3 * (y * image.getWidth() + x);
                rgbBytes[i] = (byte) (rgb >> 16);
                rgbBytes[i + 1] = (byte) (rgb >> 8);
                rgbBytes[i + 2] = (byte) rgb;
            }
        }
        return rgbBytes;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return out.toByteArray();
    }
}
