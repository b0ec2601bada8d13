package org.cortexprior.resilience;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.cortexprior.recordings.Npy;

/**
 * Writes small recordings in the generic layout (one folder per session with {@code images.npy},
 * {@code image_ids.npy}, {@code tiers.npy}, {@code responses.npy} and {@code timestamps.npy}).
 * Each neuron responds with a random linear filter of the image plus Gaussian trial noise, so that
 * a predictive model has something to fit; every image is shown {@code repeats} times, one trial
 * every {@code trialPeriodSeconds}. Every third image is in the validation tier, which gives the
 * predictor at least three held-out images to weigh its neurons by.
 */
final class SyntheticRecordings {

    static final int EDGE = 16;

    private SyntheticRecordings() {
    }

    /** Describes one session to write. */
    record Spec(String name, int images, int neurons, int repeats) {
        int trials() {
            return images * repeats;
        }
    }

    /** Writes one folder per spec under {@code root} and returns the folders in spec order. */
    static List<Path> write(Path root, long seed, double trialPeriodSeconds, Spec... specs) throws IOException {
        Random random = new Random(seed);
        List<Path> folders = new ArrayList<>();
        for (Spec spec : specs) {
            Path folder = Files.createDirectories(root.resolve(spec.name()));
            int pixels = EDGE * EDGE;
            byte[] images = new byte[spec.images() * pixels];
            float[][] gray = new float[spec.images()][pixels];
            for (int i = 0; i < spec.images(); i++) {
                double frequency = 0.2 + random.nextDouble();
                double phase = random.nextDouble() * Math.PI;
                for (int p = 0; p < pixels; p++) {
                    double wave = Math.sin((p % EDGE) * frequency + (p / EDGE) * frequency / 2 + phase);
                    int level = (int) Math.round(128 + 70 * wave + 20 * random.nextGaussian());
                    level = Math.max(0, Math.min(255, level));
                    images[i * pixels + p] = (byte) level;
                    gray[i][p] = level / 255f;
                }
            }
            float[][] filters = new float[spec.neurons()][pixels];
            for (float[] filter : filters) {
                for (int p = 0; p < pixels; p++) {
                    filter[p] = (float) random.nextGaussian() / EDGE;
                }
            }

            int trials = spec.trials();
            long[] imageIds = new long[trials];
            String[] tiers = new String[trials];
            float[] responses = new float[trials * spec.neurons()];
            double[] onsets = new double[trials];
            for (int t = 0; t < trials; t++) {
                int image = t % spec.images();
                imageIds[t] = image;
                tiers[t] = image % 3 == 1 ? "validation" : "train";
                onsets[t] = t * trialPeriodSeconds;
                for (int n = 0; n < spec.neurons(); n++) {
                    double drive = 0;
                    for (int p = 0; p < pixels; p++) {
                        drive += filters[n][p] * gray[image][p];
                    }
                    responses[t * spec.neurons() + n] = (float) (drive + 0.3 * random.nextGaussian());
                }
            }
            Npy.writeUint8(folder.resolve("images.npy"), new long[] {spec.images(), EDGE, EDGE}, images);
            Npy.writeInt64(folder.resolve("image_ids.npy"), new long[] {trials}, imageIds);
            Npy.writeStrings(folder.resolve("tiers.npy"), tiers);
            Npy.writeFloat32(folder.resolve("responses.npy"), new long[] {trials, spec.neurons()}, responses);
            Npy.writeFloat64(folder.resolve("timestamps.npy"), new long[] {trials}, onsets);
            folders.add(folder);
        }
        return folders;
    }
}
