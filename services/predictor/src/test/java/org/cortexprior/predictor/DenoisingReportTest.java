package org.cortexprior.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.imageio.ImageIO;

import org.cortexprior.predictor.internals.CnnFitter;
import org.cortexprior.recordings.Npy;
import org.cortexprior.recordings.Recording;
import org.cortexprior.testkit.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the denoising report with the CNN on a synthetic V4-layout recording, where the model
 * should recover the noise-free responses, and on the real V4 session with single trials, where
 * only the relations that hold for any reasonable model are checked.
 */
class DenoisingReportTest {

    private static final String SESSION = "999999";
    private static final int NEURONS = 24;
    private static final int IMAGES = 200;
    private static final int REPEATS = 6;
    private static final int EDGE = 32;

    @TempDir
    Path folder;

    @Test
    void predictionBeatsSingleTrialsOnSyntheticSession() throws IOException {
        writeSyntheticRecording(folder, new Random(11));

        DenoisingReport.Result result;
        try (Recording recording = Recording.open(folder)) {
            DenoisingReport report = new DenoisingReport(recording.session(SESSION), CnnFitter::new, 16, 2);
            result = report.run(1, 3, () -> { });
        }

        assertEquals(IMAGES, result.images());
        assertTrue(result.predictedSameImages() > result.singleTrial() + 0.1,
                "predicted similarity (same images) " + result.predictedSameImages() + " vs single trials "
                        + result.singleTrial());
        assertTrue(result.predictedHeldOutImages() > result.singleTrial() + 0.05,
                "predicted similarity (held-out images) " + result.predictedHeldOutImages() + " vs single trials "
                        + result.singleTrial());
        // The second half averages only 2 or 3 Poisson trials, which caps any neuron's r well below 1.
        assertTrue(result.medianNeuronCorrelationHeldOutImages() > 0.3,
                "median per-neuron r on held-out images " + result.medianNeuronCorrelationHeldOutImages());
    }

    @Test
    void realSessionFiguresAreConsistent() {
        Path root = SharedData.require("v4-cowley2023/responses_raw/responses_210325.npy").getParent().getParent();

        DenoisingReport.Result result;
        try (Recording recording = Recording.open(root)) {
            DenoisingReport report = new DenoisingReport(recording.session("210325"), CnnFitter::new, 16, 2);
            result = report.run(1, 7, () -> { });
        }

        assertEquals(640, result.images());
        assertTrue(result.halfAverage() > result.singleTrial(),
                "half average " + result.halfAverage() + " vs single trials " + result.singleTrial());
        for (double r : new double[] {result.singleTrial(), result.halfAverage(), result.predictedSameImages(),
                result.predictedHeldOutImages()}) {
            assertTrue(r >= -1, "Pearson r below -1: " + r);
            assertTrue(r <= 1, "Pearson r above 1: " + r);
        }
        assertTrue(result.predictedHeldOutImages() > 0,
                "held-out predicted similarity " + result.predictedHeldOutImages());
    }

    /**
     * Writes a V4-layout session: smooth random images, and neurons whose mean rate is a rectified
     * difference-of-windows filter at a neuron-specific position, with Poisson trial noise and a
     * varying number of valid repeats (NaN padding), as in the real raw file.
     */
    static void writeSyntheticRecording(Path root, Random random) throws IOException {
        Files.createDirectories(root.resolve("responses_repeat_averaged"));
        Files.createDirectories(root.resolve("responses_raw"));
        Files.createDirectories(root.resolve("images"));

        float[][] gray = new float[IMAGES][];
        try (OutputStream file = Files.newOutputStream(root.resolve("images/images_" + SESSION + ".zip"));
             ZipOutputStream zip = new ZipOutputStream(file)) {
            for (int i = 0; i < IMAGES; i++) {
                BufferedImage image = blobs(random);
                gray[i] = new float[EDGE * EDGE];
                for (int y = 0; y < EDGE; y++) {
                    for (int x = 0; x < EDGE; x++) {
                        gray[i][y * EDGE + x] = (image.getRGB(x, y) & 0xFF) / 255f;
                    }
                }
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                ImageIO.write(image, "jpg", png);
                zip.putNextEntry(new ZipEntry(String.format("image%04d.jpg", i + 1)));
                zip.write(png.toByteArray());
                zip.closeEntry();
            }
        }

        int[] valid = new int[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            valid[i] = REPEATS - random.nextInt(2);
        }
        double[] raw = new double[NEURONS * IMAGES * REPEATS];
        double[] averaged = new double[NEURONS * IMAGES];
        for (int n = 0; n < NEURONS; n++) {
            int cx = 8 + random.nextInt(16);
            int cy = 8 + random.nextInt(16);
            boolean on = random.nextBoolean();
            for (int i = 0; i < IMAGES; i++) {
                double centre = window(gray[i], cx, cy, 3);
                double surround = window(gray[i], cx, cy, 7);
                double rate = 8 * Math.max(0, (on ? 1 : -1) * 4 * (centre - surround) + 0.3);
                double sum = 0;
                for (int r = 0; r < REPEATS; r++) {
                    int index = (n * IMAGES + i) * REPEATS + r;
                    if (r < valid[i]) {
                        raw[index] = poisson(rate, random);
                        sum += raw[index];
                    } else {
                        raw[index] = Double.NaN;
                    }
                }
                averaged[n * IMAGES + i] = sum / valid[i];
            }
        }
        Npy.writeFloat64(root.resolve("responses_raw/responses_" + SESSION + ".npy"),
                new long[] {NEURONS, IMAGES, REPEATS}, raw);
        Npy.writeFloat64(root.resolve("responses_repeat_averaged/responses_" + SESSION + ".npy"),
                new long[] {NEURONS, IMAGES}, averaged);
    }

    private static BufferedImage blobs(Random random) {
        double[] field = new double[EDGE * EDGE];
        for (int b = 0; b < 6; b++) {
            double bx = random.nextDouble() * EDGE;
            double by = random.nextDouble() * EDGE;
            double sigma = 2 + 4 * random.nextDouble();
            double amplitude = random.nextGaussian();
            for (int y = 0; y < EDGE; y++) {
                for (int x = 0; x < EDGE; x++) {
                    double d2 = (x - bx) * (x - bx) + (y - by) * (y - by);
                    field[y * EDGE + x] += amplitude * Math.exp(-d2 / (2 * sigma * sigma));
                }
            }
        }
        BufferedImage image = new BufferedImage(EDGE, EDGE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < EDGE; y++) {
            for (int x = 0; x < EDGE; x++) {
                int v = (int) Math.max(0, Math.min(255, 128 + 60 * field[y * EDGE + x]));
                image.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        return image;
    }

    private static double window(float[] gray, int cx, int cy, int radius) {
        double sum = 0;
        int count = 0;
        for (int y = Math.max(0, cy - radius); y <= Math.min(EDGE - 1, cy + radius); y++) {
            for (int x = Math.max(0, cx - radius); x <= Math.min(EDGE - 1, cx + radius); x++) {
                sum += gray[y * EDGE + x];
                count++;
            }
        }
        return sum / count;
    }

    private static int poisson(double rate, Random random) {
        double limit = Math.exp(-rate);
        double product = random.nextDouble();
        int count = 0;
        while (product > limit) {
            product *= random.nextDouble();
            count++;
        }
        return count;
    }
}
