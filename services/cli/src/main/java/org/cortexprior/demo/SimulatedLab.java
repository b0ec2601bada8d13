package org.cortexprior.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A simulated laboratory for the demo: generated stimulus images, model neurons with known tuning
 * whose spike counts are Poisson samples of their rates, and a small generated classification task.
 *
 * <p><b>Stimuli.</b> Grayscale images of {@code size x size} pixels, each a sum of a few Gabor
 * patches (random position, orientation, spatial frequency, phase and contrast) over low-pass
 * noise, so that images share local orientation structure the way natural image patches do.
 *
 * <p><b>Neurons.</b> Each model neuron has a Gabor receptive field. Simple cells respond to the
 * rectified projection of the image on their field, complex cells to the energy of a quadrature
 * pair. The rate in spikes per bin is {@code baseline + gain * drive}, and each trial's response is
 * a Poisson sample of it, so single trials are noisy and repeat averages are not. Because every rate
 * is known, {@link Session#trueRates()} gives the noise-free responses against which a denoised
 * similarity matrix can be checked.
 *
 * <p><b>Sessions.</b> Sessions record different neurons and show overlapping but different image
 * subsets, as real recordings do; every image a session shows is repeated {@code repeats} times.
 *
 * <p><b>Classification task.</b> Ten classes of shapes (disk, ring, square, cross, bars at three
 * orientations, triangle, checkerboard, dot pair) with random position, size and contrast over
 * noise; written in the CIFAR-10 binary layout so that the trainer reads it as it reads CIFAR-10.
 *
 * <p>Everything is a deterministic function of the seed. Instances are immutable after
 * {@link #generate}; thread-safe.
 */
public final class SimulatedLab {

    /** Class names of the generated classification task, in label order. */
    public static final List<String> SHAPE_CLASSES = List.of("disk", "ring", "square", "cross", "horizontal-bars",
            "vertical-bars", "diagonal-bars", "triangle", "checkerboard", "dot-pair");

    /** Sizes of the simulated laboratory. */
    public record Config(int imageCount, int sessionCount, int neuronsPerSession, int imagesPerSession,
                         int repeats, int imageSize, long seed) {

        /** Sizes the demo uses: 240 images, 3 sessions of 40 neurons, 160 images each, 4 repeats, 32 x 32 pixels. */
        public static Config demo(long seed) {
            return new Config(240, 3, 40, 160, 4, 32, seed);
        }

        void validate() {
            if (imagesPerSession > imageCount) {
                throw new IllegalArgumentException("imagesPerSession " + imagesPerSession
                        + " exceeds imageCount " + imageCount);
            }
            if (imageCount < 2 || sessionCount < 1 || neuronsPerSession < 1 || repeats < 1 || imageSize < 8) {
                throw new IllegalArgumentException("invalid simulated laboratory sizes: " + this);
            }
        }
    }

    /**
     * One simulated session.
     *
     * @param name session name, for example sim01
     * @param imageIndices indices into {@link SimulatedLab#images()} of the images shown, in presentation order
     * @param trueRates noise-free rates in spikes per bin, neurons x shown images
     * @param trialImages image index of every trial, in recording order
     * @param trialResponses spike counts, trials x neurons
     */
    public record Session(String name, int[] imageIndices, float[][] trueRates, int[] trialImages,
                          float[][] trialResponses) {
    }

    private final Config config;
    private final byte[][] images;
    private final List<Session> sessions;

    private SimulatedLab(Config config, byte[][] images, List<Session> sessions) {
        this.config = config;
        this.images = images;
        this.sessions = sessions;
    }

    /** Generates the stimuli, neurons and trials for a configuration. */
    public static SimulatedLab generate(Config config) {
        config.validate();
        Random random = new Random(config.seed());
        int size = config.imageSize();

        byte[][] images = new byte[config.imageCount()][];
        for (int i = 0; i < images.length; i++) {
            images[i] = toBytes(naturalisticImage(size, random));
        }

        List<Session> sessions = new ArrayList<>();
        for (int s = 0; s < config.sessionCount(); s++) {
            sessions.add(simulateSession(config, images, s, random));
        }
        return new SimulatedLab(config, images, sessions);
    }

    public Config config() {
        return config;
    }

    /** Returns the stimulus images as unsigned bytes, row-major {@code size x size}. */
    public byte[][] images() {
        return images;
    }

    public List<Session> sessions() {
        return sessions;
    }

    private static Session simulateSession(Config config, byte[][] images, int sessionIndex, Random random) {
        int size = config.imageSize();
        int neuronCount = config.neuronsPerSession();

        int[] order = shuffledRange(images.length, random);
        int[] shown = Arrays.copyOf(order, config.imagesPerSession());
        Arrays.sort(shown);

        double[][][] fields = new double[neuronCount][][];
        boolean[] complex = new boolean[neuronCount];
        double[] gains = new double[neuronCount];
        double[] baselines = new double[neuronCount];
        for (int n = 0; n < neuronCount; n++) {
            fields[n] = receptiveField(size, random);
            complex[n] = random.nextDouble() < 0.4;
            gains[n] = 2.0 + 6.0 * random.nextDouble();
            baselines[n] = 0.2 + 0.8 * random.nextDouble();
        }

        double[][] drives = new double[neuronCount][shown.length];
        for (int i = 0; i < shown.length; i++) {
            double[] pixels = centredPixels(images[shown[i]]);
            for (int n = 0; n < neuronCount; n++) {
                double even = dot(fields[n][0], pixels);
                drives[n][i] = complex[n] ? Math.hypot(even, dot(fields[n][1], pixels)) : Math.max(0, even);
            }
        }

        // Each neuron's drive is scaled to [0, 1] over the images shown, so rates stay between
        // baseline and baseline + gain (at most 9 spikes per bin), like binned V1 or V4 counts.
        float[][] rates = new float[neuronCount][shown.length];
        for (int n = 0; n < neuronCount; n++) {
            double max = Arrays.stream(drives[n]).max().orElse(0);
            for (int i = 0; i < shown.length; i++) {
                double drive = max > 0 ? drives[n][i] / max : 0;
                rates[n][i] = (float) (baselines[n] + gains[n] * drive);
            }
        }

        int trialCount = shown.length * config.repeats();
        int[] trialImages = new int[trialCount];
        int[] presentation = new int[trialCount];
        for (int t = 0; t < trialCount; t++) {
            presentation[t] = t % shown.length;
        }
        shuffle(presentation, random);
        float[][] responses = new float[trialCount][neuronCount];
        for (int t = 0; t < trialCount; t++) {
            int local = presentation[t];
            trialImages[t] = shown[local];
            for (int n = 0; n < neuronCount; n++) {
                responses[t][n] = poisson(rates[n][local], random);
            }
        }
        String name = String.format("sim%02d", sessionIndex + 1);
        return new Session(name, shown, rates, trialImages, responses);
    }

    /** Returns an even and an odd Gabor filter, each of unit L2 norm, flattened row-major. */
    private static double[][] receptiveField(int size, Random random) {
        double cx = size * (0.3 + 0.4 * random.nextDouble());
        double cy = size * (0.3 + 0.4 * random.nextDouble());
        double theta = Math.PI * random.nextDouble();
        double wavelength = size * (0.15 + 0.25 * random.nextDouble());
        double sigma = wavelength * (0.4 + 0.3 * random.nextDouble());
        double[] even = new double[size * size];
        double[] odd = new double[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double dx = x - cx;
                double dy = y - cy;
                double along = dx * Math.cos(theta) + dy * Math.sin(theta);
                double envelope = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
                even[y * size + x] = envelope * Math.cos(2 * Math.PI * along / wavelength);
                odd[y * size + x] = envelope * Math.sin(2 * Math.PI * along / wavelength);
            }
        }
        normalise(even);
        normalise(odd);
        return new double[][] {even, odd};
    }

    private static double[] naturalisticImage(int size, Random random) {
        double[] image = smoothNoise(size, random, 0.35);
        int patches = 2 + random.nextInt(4);
        for (int p = 0; p < patches; p++) {
            double[][] gabor = receptiveField(size, random);
            double contrast = 1.5 + 3.0 * random.nextDouble();
            double phase = random.nextDouble() * 2 * Math.PI;
            for (int k = 0; k < image.length; k++) {
                image[k] += contrast * (Math.cos(phase) * gabor[0][k] + Math.sin(phase) * gabor[1][k]);
            }
        }
        return image;
    }

    /** Returns low-pass noise: white noise blurred by a box filter applied twice. */
    private static double[] smoothNoise(int size, Random random, double amplitude) {
        double[] noise = new double[size * size];
        for (int k = 0; k < noise.length; k++) {
            noise[k] = random.nextGaussian() * amplitude;
        }
        for (int pass = 0; pass < 2; pass++) {
            double[] blurred = new double[noise.length];
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double sum = 0;
                    int count = 0;
                    for (int dy = -2; dy <= 2; dy++) {
                        for (int dx = -2; dx <= 2; dx++) {
                            int yy = y + dy;
                            int xx = x + dx;
                            if (yy >= 0 && yy < size && xx >= 0 && xx < size) {
                                sum += noise[yy * size + xx];
                                count++;
                            }
                        }
                    }
                    blurred[y * size + x] = sum / count * 3;
                }
            }
            noise = blurred;
        }
        return noise;
    }

    /** Maps values to bytes around mid-gray, clipping at 0 and 255. */
    private static byte[] toBytes(double[] image) {
        double max = 1e-9;
        for (double v : image) {
            max = Math.max(max, Math.abs(v));
        }
        byte[] bytes = new byte[image.length];
        for (int k = 0; k < image.length; k++) {
            long value = Math.round(127.5 + 120.0 * image[k] / max);
            bytes[k] = (byte) Math.max(0, Math.min(255, value));
        }
        return bytes;
    }

    private static double[] centredPixels(byte[] image) {
        double[] pixels = new double[image.length];
        for (int k = 0; k < image.length; k++) {
            pixels[k] = ((image[k] & 0xFF) - 127.5) / 127.5;
        }
        return pixels;
    }

    /**
     * Writes the sessions in the neuralpredictors / Sensorium "static" layout, one folder per
     * session named {@code static9000<n>-1-1-Simulated}, so the demo replays them through the same
     * reader as real recordings. Per trial: {@code data/images/<t>.npy} (1 x size x size, uint8),
     * {@code data/responses/<t>.npy} (float32 spike counts), {@code data/behavior/<t>.npy} (pupil
     * size, its change, running speed) and {@code data/pupil_center/<t>.npy}; per session:
     * {@code meta/trials/tiers.npy}, {@code meta/trials/frame_image_id.npy},
     * {@code meta/neurons/unit_ids.npy} and {@code meta/neurons/area.npy}.
     *
     * <p>Tiers are assigned per image (80% train, 10% validation, 10% test), so every repeat of an
     * image shares its tier. NOTE: behaviour and pupil position are random and do not modulate the
     * simulated rates; they exercise the readers and the predictor's modulator, not its accuracy.
     *
     * @return the folder that contains the session folders
     */
    public Path writeSensoriumRecording(Path dir) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(config.seed() + 1);
        int size = config.imageSize();
        for (int s = 0; s < sessions.size(); s++) {
            Session session = sessions.get(s);
            Path root = dir.resolve(String.format("static9000%d-1-1-Simulated", s + 1));
            Path images = Files.createDirectories(root.resolve("data/images"));
            Path responses = Files.createDirectories(root.resolve("data/responses"));
            Path behaviour = Files.createDirectories(root.resolve("data/behavior"));
            Path pupil = Files.createDirectories(root.resolve("data/pupil_center"));
            Path trials = Files.createDirectories(root.resolve("meta/trials"));
            Path neurons = Files.createDirectories(root.resolve("meta/neurons"));

            int trialCount = session.trialImages().length;
            String[] tiers = new String[trialCount];
            long[] frameIds = new long[trialCount];
            for (int t = 0; t < trialCount; t++) {
                int image = session.trialImages()[t];
                frameIds[t] = image;
                tiers[t] = tierOf(image);
                org.cortexprior.recordings.Npy.writeUint8(images.resolve(t + ".npy"), new long[] {1, size, size},
                        this.images[image]);
                org.cortexprior.recordings.Npy.writeFloat32(responses.resolve(t + ".npy"),
                        new long[] {session.trialResponses()[t].length}, session.trialResponses()[t]);
                float pupilSize = (float) (40 + 5 * random.nextGaussian());
                float[] state = {pupilSize, (float) random.nextGaussian(), (float) Math.abs(10 * random.nextGaussian())};
                org.cortexprior.recordings.Npy.writeFloat32(behaviour.resolve(t + ".npy"), new long[] {3}, state);
                float[] centre = {(float) (160 + 3 * random.nextGaussian()), (float) (120 + 3 * random.nextGaussian())};
                org.cortexprior.recordings.Npy.writeFloat32(pupil.resolve(t + ".npy"), new long[] {2}, centre);
            }
            org.cortexprior.recordings.Npy.writeStrings(trials.resolve("tiers.npy"), tiers);
            org.cortexprior.recordings.Npy.writeInt64(trials.resolve("frame_image_id.npy"), new long[] {trialCount}, frameIds);

            int neuronCount = session.trueRates().length;
            long[] unitIds = new long[neuronCount];
            String[] areas = new String[neuronCount];
            for (int n = 0; n < neuronCount; n++) {
                unitIds[n] = n + 1;
                areas[n] = "V1";
            }
            org.cortexprior.recordings.Npy.writeInt64(neurons.resolve("unit_ids.npy"), new long[] {neuronCount}, unitIds);
            org.cortexprior.recordings.Npy.writeStrings(neurons.resolve("area.npy"), areas);
        }
        return dir;
    }

    /** Returns the tier of an image: a fixed 80/10/10 split by image index. */
    static String tierOf(int image) {
        int bucket = Math.floorMod(image * 7919, 10);
        if (bucket == 0) {
            return "test";
        }
        if (bucket == 1) {
            return "validation";
        }
        return "train";
    }

    /**
     * Writes the classification task in the CIFAR-10 binary layout: {@code data_batch_1.bin} to
     * {@code data_batch_5.bin} with {@code trainCount / 5} records each, {@code test_batch.bin}, and
     * {@code batches.meta.txt} with the class names. Each record is one label byte and 3,072 pixel
     * bytes (the grayscale image repeated in the red, green and blue planes).
     *
     * @return the directory written
     */
    public static Path writeShapeTask(Path dir, int trainCount, int testCount, long seed) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(seed);
        int perBatch = Math.max(1, trainCount / 5);
        for (int batch = 1; batch <= 5; batch++) {
            writeShapeBatch(dir.resolve("data_batch_" + batch + ".bin"), perBatch, random);
        }
        writeShapeBatch(dir.resolve("test_batch.bin"), testCount, random);
        Files.write(dir.resolve("batches.meta.txt"), SHAPE_CLASSES);
        return dir;
    }

    private static void writeShapeBatch(Path file, int count, Random random) throws IOException {
        int size = 32;
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
            for (int i = 0; i < count; i++) {
                int label = random.nextInt(SHAPE_CLASSES.size());
                byte[] gray = toBytes(shape(label, size, random));
                out.write(label);
                for (int plane = 0; plane < 3; plane++) {
                    out.write(gray);
                }
            }
        }
    }

    /** Draws one shape of a class over low-pass noise, with random position, size and contrast. */
    static double[] shape(int label, int size, Random random) {
        double[] image = smoothNoise(size, random, 0.25);
        double cx = size / 2.0 + (random.nextDouble() - 0.5) * size * 0.3;
        double cy = size / 2.0 + (random.nextDouble() - 0.5) * size * 0.3;
        double radius = size * (0.18 + 0.12 * random.nextDouble());
        double contrast = (random.nextBoolean() ? 1 : -1) * (0.6 + 0.6 * random.nextDouble());
        double period = size * (0.12 + 0.06 * random.nextDouble());
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double dx = x - cx;
                double dy = y - cy;
                double r = Math.hypot(dx, dy);
                boolean inside = switch (label) {
                    case 0 -> r < radius;
                    case 1 -> r < radius && r > radius * 0.6;
                    case 2 -> Math.abs(dx) < radius * 0.85 && Math.abs(dy) < radius * 0.85;
                    case 3 -> (Math.abs(dx) < radius * 0.25 && Math.abs(dy) < radius)
                            || (Math.abs(dy) < radius * 0.25 && Math.abs(dx) < radius);
                    case 4 -> r < radius * 1.3 && Math.floorMod((int) Math.floor(dy / period * 2), 2) == 0;
                    case 5 -> r < radius * 1.3 && Math.floorMod((int) Math.floor(dx / period * 2), 2) == 0;
                    case 6 -> r < radius * 1.3 && Math.floorMod((int) Math.floor((dx + dy) / period * 1.5), 2) == 0;
                    case 7 -> dy < radius * 0.7 && dy > -radius && Math.abs(dx) < (dy + radius) * 0.6;
                    case 8 -> Math.abs(dx) < radius && Math.abs(dy) < radius
                            && (Math.floorMod((int) Math.floor(dx / (radius / 2)), 2)
                            == Math.floorMod((int) Math.floor(dy / (radius / 2)), 2));
                    case 9 -> Math.hypot(dx - radius * 0.6, dy) < radius * 0.35
                            || Math.hypot(dx + radius * 0.6, dy) < radius * 0.35;
                    default -> throw new IllegalArgumentException("unknown shape class " + label);
                };
                if (inside) {
                    image[y * size + x] += contrast;
                }
            }
        }
        return image;
    }

    private static int[] shuffledRange(int n, Random random) {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        shuffle(values, random);
        return values;
    }

    private static void shuffle(int[] values, Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = values[i];
            values[i] = values[j];
            values[j] = tmp;
        }
    }

    private static float poisson(double rate, Random random) {
        // Knuth's multiplication method is exact, and fast for the rates simulated here (at most 9).
        double limit = Math.exp(-rate);
        double product = random.nextDouble();
        int count = 0;
        while (product > limit) {
            product *= random.nextDouble();
            count++;
        }
        return count;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int k = 0; k < a.length; k++) {
            sum += a[k] * b[k];
        }
        return sum;
    }

    private static void normalise(double[] values) {
        double norm = Math.sqrt(dot(values, values));
        for (int k = 0; k < values.length; k++) {
            values[k] /= norm;
        }
    }
}
