package org.cortexprior.predictor.internals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits a small convolutional network per session. A three-layer convolutional core is shared by
 * all of the session's neurons, and each neuron has a factorised readout (a spatial mask times a
 * feature vector over the core's channels) and an ELU+1 output. The network is trained with the
 * Poisson loss and Adam. Training stops early on the mean per-neuron correlation with the validation images' mean responses; the
 * best parameters are kept.
 *
 * <p>When every trial carries behaviour (running speed, pupil size and its change), a modulator
 * multiplies each neuron's output by {@code exp(behaviour . w_neuron)}. When every trial carries a
 * pupil position, a shifter maps it to a translation of the core's feature maps. Both inputs are
 * standardised on the training trials; predictions for images alone ({@link ResponseModel}) use the
 * mean behaviour and pupil position, that is gain 1 and no shift.
 *
 * <p>Without behaviour or pupil position the trials of an image differ only in their responses, so
 * the fitter trains on each image's mean response weighted by its trial count. The Poisson loss
 * summed over trials equals that weighted loss up to a constant, so the fit is the same at a
 * fraction of the cost.
 *
 * <p>Runs on the CPU in float32 on the calling thread; not thread-safe, but one instance may fit
 * many sessions in turn. The fitted {@link ResponseModel} keeps its parameters in Java arrays, owns
 * no native memory and may be used from any thread.
 */
public final class CnnFitter implements ModelFitter {

    private static final Logger log = LoggerFactory.getLogger(CnnFitter.class);

    private static final int BEHAVIOUR_INPUTS = 3;
    private static final int PUPIL_INPUTS = 2;
    /** Largest shift of the core's feature maps the shifter can output, in core pixels. */
    private static final float MAX_SHIFT = 2f;
    private static final float EPSILON = 1e-6f;

    /**
     * Training settings.
     *
     * @param channels feature maps per core layer
     * @param firstKernel edge of the first layer's kernel, in input pixels (odd)
     * @param maxEpochs upper bound on passes over the training samples
     * @param batchSize samples per Adam step
     * @param learningRate Adam's initial learning rate; divided by 3 when validation stalls
     * @param patience epochs without a better validation correlation before the rate drops
     * @param rateDrops how many rate drops end training
     * @param spatialL1 L1 penalty on the readout's spatial masks
     * @param featureL2 L2 penalty on the readout's feature weights
     * @param smoothness penalty on the Laplacian of the first layer's kernels
     * @param threads libtorch intra-op threads of the fitting thread
     */
    public record Settings(int channels, int firstKernel, int maxEpochs, int batchSize, double learningRate,
                           int patience, int rateDrops, double spatialL1, double featureL2, double smoothness,
                           int threads) {

        /**
         * Returns the defaults, chosen on V4 data (640 images, 16x16 input) by the denoising report.
         * 48 channels beat 16 and 32 and came close to 64 at two thirds of its fit time. Readout
         * penalties of 0.03 traded a little same-image accuracy for better held-out predictions.
         */
        public static Settings defaults() {
            return new Settings(48, 5, 120, 32, 1e-2, 4, 2, 3e-2, 3e-2, 1e-2, 1);
        }

        public Settings {
            if (channels <= 0 || firstKernel <= 0 || firstKernel % 2 == 0 || maxEpochs <= 0 || batchSize <= 0
                    || !(learningRate > 0) || patience <= 0 || rateDrops < 0 || threads <= 0) {
                throw new IllegalArgumentException("Invalid CNN settings " + Arrays.asList(channels, firstKernel,
                        maxEpochs, batchSize, learningRate, patience, rateDrops)
                        + ": expected positive values and an odd kernel edge");
            }
        }
    }

    private final long seed;
    private final Settings settings;

    public CnnFitter(long seed) {
        this(seed, Settings.defaults());
    }

    public CnnFitter(long seed, Settings settings) {
        this.seed = seed;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "cnn";
    }

    @Override
    public ResponseModel fit(FitData data) {
        Samples train = Samples.of(data, false);
        if (train.count() == 0) {
            throw new IllegalArgumentException("Cannot fit the CNN: the session has no training trials");
        }
        float[][] validationMeans = data.imageMeans(true);
        List<Integer> validationImages = new ArrayList<>();
        for (int i = 0; i < validationMeans.length; i++) {
            if (validationMeans[i] != null) {
                validationImages.add(i);
            }
        }
        Architecture architecture = new Architecture(data.size(), data.neurons(), settings.channels(),
                settings.firstKernel(), train.behaviour() != null, train.pupil() != null);
        Scaling scaling = Scaling.of(data, train);

        // Creating the manager loads the PyTorch engine, which JniUtils needs.
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            boolean gradMode = JniUtils.isGradMode();
            // The layers are small, so one thread loses little, and OpenMP workers that spin while
            // the machine is busy (other stream threads, other processes) slowed a fit tenfold on
            // 2 shared cores. NOTE: libtorch applies this to the calling thread's OpenMP regions,
            // but a BLAS backend may apply it to the whole process.
            JniUtils.setNumThreads(settings.threads());
            try {
                Network network = Network.initial(manager, architecture, scaling, new Random(seed));
                Trainer trainer = new Trainer(network, data, train, scaling, validationImages, validationMeans);
                float[][] best = trainer.run();
                return new Model(architecture, scaling, best);
            } finally {
                JniUtils.setGradMode(gradMode);
            }
        }
    }

    /** Shapes of the network for one session. */
    record Architecture(int size, int neurons, int channels, int firstKernel, boolean modulator, boolean shifter) {

        int coreSize() {
            return size / 2;
        }

        List<Shape> parameterShapes() {
            int spatial = coreSize() * coreSize();
            List<Shape> shapes = new ArrayList<>(List.of(
                    new Shape(channels, 1, firstKernel, firstKernel), new Shape(channels),
                    new Shape(channels, channels, 3, 3), new Shape(channels),
                    new Shape(channels, channels, 3, 3), new Shape(channels),
                    new Shape(neurons, spatial), new Shape(neurons, channels), new Shape(neurons)));
            if (modulator) {
                shapes.add(new Shape(BEHAVIOUR_INPUTS, neurons));
            }
            if (shifter) {
                shapes.add(new Shape(PUPIL_INPUTS, 2));
                shapes.add(new Shape(2));
            }
            return shapes;
        }
    }

    /**
     * Training samples: either trials, or (without behaviour and pupil position) images with their
     * mean training response and trial count as weight.
     */
    record Samples(int[] image, float[][] responses, float[] weight, float[][] behaviour, float[][] pupil) {

        int count() {
            return image.length;
        }

        static Samples of(FitData data, boolean heldOut) {
            List<Integer> trials = new ArrayList<>();
            for (int t = 0; t < data.trialCount(); t++) {
                if (data.validation()[t] == heldOut) {
                    trials.add(t);
                }
            }
            boolean behaviour = data.behaviour() != null;
            boolean pupil = data.pupilPosition() != null;
            if (behaviour || pupil) {
                int[] image = new int[trials.size()];
                float[][] responses = new float[trials.size()][];
                float[] weight = new float[trials.size()];
                float[][] states = behaviour ? new float[trials.size()][] : null;
                float[][] positions = pupil ? new float[trials.size()][] : null;
                for (int s = 0; s < trials.size(); s++) {
                    int t = trials.get(s);
                    image[s] = data.trialImage()[t];
                    responses[s] = data.responses()[t];
                    weight[s] = 1f;
                    if (behaviour) {
                        states[s] = data.behaviour()[t];
                    }
                    if (pupil) {
                        positions[s] = data.pupilPosition()[t];
                    }
                }
                return new Samples(image, responses, weight, states, positions);
            }

            float[][] means = data.imageMeans(heldOut);
            int[] counts = new int[means.length];
            for (int t : trials) {
                counts[data.trialImage()[t]]++;
            }
            List<Integer> images = new ArrayList<>();
            for (int i = 0; i < means.length; i++) {
                if (means[i] != null) {
                    images.add(i);
                }
            }
            int[] image = new int[images.size()];
            float[][] responses = new float[images.size()][];
            float[] weight = new float[images.size()];
            for (int s = 0; s < images.size(); s++) {
                image[s] = images.get(s);
                responses[s] = means[image[s]];
                weight[s] = counts[image[s]];
            }
            return new Samples(image, responses, weight, null, null);
        }
    }

    /**
     * Affine maps from recorded values to the network's units: pixels and behaviour standardised,
     * responses shifted to be non-negative (the Poisson loss needs that) and divided by their standard
     * deviation so that every neuron weighs about equally in the loss.
     */
    record Scaling(float pixelMean, float pixelScale, float[] responseMean, float[] responseOffset, float[] responseScale,
                   float[] behaviourMean, float[] behaviourScale, float[] pupilMean, float[] pupilScale) {

        static Scaling of(FitData data, Samples train) {
            double sum = 0;
            double sumSq = 0;
            long count = 0;
            for (int i : train.image()) {
                for (float v : data.images()[i]) {
                    sum += v;
                    sumSq += (double) v * v;
                    count++;
                }
            }
            double pixelMean = sum / count;
            double pixelStd = Math.sqrt(Math.max(0, sumSq / count - pixelMean * pixelMean));

            int neurons = data.neurons();
            float[] means = new float[neurons];
            float[] offset = new float[neurons];
            float[] scale = new float[neurons];
            for (int n = 0; n < neurons; n++) {
                double min = Double.POSITIVE_INFINITY;
                double weightSum = 0;
                double mean = 0;
                for (int s = 0; s < train.count(); s++) {
                    double v = train.responses()[s][n];
                    min = Math.min(min, v);
                    mean += train.weight()[s] * v;
                    weightSum += train.weight()[s];
                }
                mean /= weightSum;
                double variance = 0;
                for (int s = 0; s < train.count(); s++) {
                    double d = train.responses()[s][n] - mean;
                    variance += train.weight()[s] * d * d;
                }
                double std = Math.sqrt(variance / weightSum);
                means[n] = (float) mean;
                offset[n] = min < 0 ? (float) -min : 0f;
                scale[n] = std > 0 ? (float) std : 1f;
            }
            float[][] behaviour = standardisation(train.behaviour(), BEHAVIOUR_INPUTS);
            float[][] pupil = standardisation(train.pupil(), PUPIL_INPUTS);
            return new Scaling((float) pixelMean, pixelStd > 0 ? (float) (1 / pixelStd) : 1f, means, offset, scale,
                    behaviour[0], behaviour[1], pupil[0], pupil[1]);
        }

        private static float[][] standardisation(float[][] rows, int width) {
            if (rows == null) {
                return new float[2][];
            }
            float[] mean = new float[width];
            float[] scale = new float[width];
            for (int d = 0; d < width; d++) {
                double sum = 0;
                double sumSq = 0;
                for (float[] row : rows) {
                    sum += row[d];
                    sumSq += (double) row[d] * row[d];
                }
                double m = sum / rows.length;
                double std = Math.sqrt(Math.max(0, sumSq / rows.length - m * m));
                mean[d] = (float) m;
                scale[d] = std > 0 ? (float) (1 / std) : 0f;
            }
            return new float[][] {mean, scale};
        }

        float target(float response, int neuron) {
            return Math.max(0f, (response + responseOffset[neuron]) / responseScale[neuron]);
        }

        float response(float output, int neuron) {
            return output * responseScale[neuron] - responseOffset[neuron];
        }

        static float standardised(float value, float[] mean, float[] scale, int d) {
            return (value - mean[d]) * scale[d];
        }
    }

    /** The network's parameters as NDArrays of one manager, and its forward pass. */
    static final class Network {
        private final NDManager manager;
        private final Architecture architecture;
        private final List<NDArray> parameters;

        private Network(NDManager manager, Architecture architecture, List<NDArray> parameters) {
            this.manager = manager;
            this.architecture = architecture;
            this.parameters = parameters;
        }

        /** Draws He-initialised kernels; the readout starts as a uniform mask and its bias at the mean rate. */
        static Network initial(NDManager manager, Architecture architecture, Scaling scaling, Random random) {
            List<Shape> shapes = architecture.parameterShapes();
            float[][] values = new float[shapes.size()][];
            for (int p = 0; p < shapes.size(); p++) {
                values[p] = new float[(int) shapes.get(p).size()];
            }
            int c = architecture.channels();
            int k = architecture.firstKernel();
            gaussian(values[0], Math.sqrt(2.0 / (k * k)), random);
            gaussian(values[2], Math.sqrt(2.0 / (9.0 * c)), random);
            gaussian(values[4], Math.sqrt(2.0 / (9.0 * c)), random);
            int spatial = architecture.coreSize() * architecture.coreSize();
            for (int i = 0; i < values[6].length; i++) {
                values[6][i] = (float) ((1 + 0.1 * random.nextGaussian()) / spatial);
            }
            gaussian(values[7], 1.0 / Math.sqrt(c), random);
            // The scaled targets have unit standard deviation; the bias starts where ELU+1 outputs
            // each neuron's mean scaled response.
            for (int n = 0; n < architecture.neurons(); n++) {
                float mean = (scaling.responseOffset()[n] + scaling.responseMean()[n]) / scaling.responseScale()[n];
                values[8][n] = mean >= 1 ? mean - 1 : (float) Math.log(Math.max(mean, 1e-3));
            }
            return fromValues(manager, architecture, values, true);
        }

        static Network fromValues(NDManager manager, Architecture architecture, float[][] values, boolean trainable) {
            List<Shape> shapes = architecture.parameterShapes();
            List<NDArray> parameters = new ArrayList<>();
            for (int p = 0; p < shapes.size(); p++) {
                NDArray array = manager.create(values[p], shapes.get(p));
                NDScope.unregister(array);
                if (trainable) {
                    array.setRequiresGradient(true);
                }
                parameters.add(array);
            }
            return new Network(manager, architecture, parameters);
        }

        private static void gaussian(float[] target, double std, Random random) {
            for (int i = 0; i < target.length; i++) {
                target[i] = (float) (std * random.nextGaussian());
            }
        }

        List<NDArray> parameters() {
            return parameters;
        }

        NDManager manager() {
            return manager;
        }

        float[][] snapshot() {
            float[][] values = new float[parameters.size()][];
            for (int p = 0; p < parameters.size(); p++) {
                values[p] = parameters.get(p).toFloatArray();
            }
            return values;
        }

        /**
         * Computes the scaled predicted responses (batch x neurons), all positive.
         *
         * @param images batch x 1 x size x size, standardised
         * @param behaviour batch x 3 standardised, or null for gain 1
         * @param pupil batch x 2 standardised, or null for no shift
         */
        NDArray forward(NDArray images, NDArray behaviour, NDArray pupil) {
            int k = architecture.firstKernel();
            NDArray h = ai.djl.nn.convolutional.Conv2d.conv2d(images, parameters.get(0), parameters.get(1),
                    new Shape(1, 1), new Shape(k / 2, k / 2)).singletonOrThrow();
            h = ai.djl.nn.Activation.elu(h, 1f);
            h = ai.djl.nn.pooling.Pool.avgPool2d(h, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true);
            for (int layer = 0; layer < 2; layer++) {
                h = ai.djl.nn.convolutional.Conv2d.conv2d(h, parameters.get(2 + 2 * layer), parameters.get(3 + 2 * layer),
                        new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
                h = ai.djl.nn.Activation.elu(h, 1f);
            }
            long batch = h.getShape().get(0);
            int edge = architecture.coreSize();

            if (architecture.shifter() && pupil != null) {
                int base = architecture.modulator() ? 10 : 9;
                NDArray shift = pupil.matMul(parameters.get(base)).add(parameters.get(base + 1)).tanh().mul(MAX_SHIFT);
                // A first-order (small-shift) translation: the feature map plus the shift times its
                // spatial derivative, so that the shift stays differentiable without grid sampling.
                NDArray dx = h.get(":, :, :, 1:").sub(h.get(":, :, :, :-1")).pad(new Shape(0, 1), 0);
                NDArray dy = h.get(":, :, 1:, :").sub(h.get(":, :, :-1, :")).pad(new Shape(0, 0, 0, 1), 0);
                h = h.add(dx.mul(shift.get(":, 0").reshape(batch, 1, 1, 1)))
                        .add(dy.mul(shift.get(":, 1").reshape(batch, 1, 1, 1)));
            }

            NDArray flat = h.reshape(batch, architecture.channels(), (long) edge * edge);
            NDArray pooled = flat.matMul(parameters.get(6).transpose());
            NDArray drive = pooled.mul(parameters.get(7).transpose()).sum(new int[] {1});
            NDArray output = ai.djl.nn.Activation.elu(drive.add(parameters.get(8)), 1f).add(1f);
            if (architecture.modulator() && behaviour != null) {
                output = output.mul(behaviour.matMul(parameters.get(9)).exp());
            }
            return output;
        }

        /** Returns the weighted regularisation penalty of the readout and the first layer. */
        NDArray penalty(Settings settings) {
            float neurons = architecture.neurons();
            NDArray spatial = parameters.get(6).abs().sum().mul(settings.spatialL1() / neurons);
            NDArray features = parameters.get(7).square().sum().mul(settings.featureL2() / neurons);
            NDArray laplace = manager.create(new float[] {0, -0.25f, 0, -0.25f, 1, -0.25f, 0, -0.25f, 0},
                    new Shape(1, 1, 3, 3));
            NDArray kernels = parameters.get(0);
            NDArray curvature = ai.djl.nn.convolutional.Conv2d.conv2d(kernels, laplace, null, new Shape(1, 1),
                    new Shape(1, 1)).singletonOrThrow();
            NDArray smooth = curvature.square().sum().div(kernels.square().sum().add(EPSILON)).mul(settings.smoothness());
            return spatial.add(features).add(smooth);
        }
    }

    /** Standardises images into one batch array (count x size x size). */
    static float[] batchPixels(float[][] images, int[] which, int from, int to, Scaling scaling) {
        int pixels = images[0].length;
        float[] batch = new float[(to - from) * pixels];
        for (int s = from; s < to; s++) {
            float[] image = images[which[s]];
            int base = (s - from) * pixels;
            for (int p = 0; p < pixels; p++) {
                batch[base + p] = (image[p] - scaling.pixelMean()) * scaling.pixelScale();
            }
        }
        return batch;
    }

    /**
     * Predicts scaled responses (images x neurons) with gain 1 and no shift. Runs with grad mode off
     * and closes every intermediate array.
     */
    static float[] predictScaled(Network network, float[][] images, int[] which, Scaling scaling) {
        Architecture architecture = network.architecture;
        int size = architecture.size();
        int neurons = architecture.neurons();
        float[] result = new float[which.length * neurons];
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int from = 0; from < which.length; from += PREDICT_BATCH) {
                int to = Math.min(which.length, from + PREDICT_BATCH);
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray input = network.manager().create(batchPixels(images, which, from, to, scaling),
                            new Shape(to - from, 1, size, size));
                    float[] output = network.forward(input, null, null).toFloatArray();
                    System.arraycopy(output, 0, result, from * neurons, output.length);
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        return result;
    }

    private static final int PREDICT_BATCH = 256;

    /** One fit: Adam steps over shuffled samples, validation after each epoch, early stopping. */
    private final class Trainer {
        private final Network network;
        private final FitData data;
        private final Samples train;
        private final Scaling scaling;
        private final int[] validationImages;
        private final float[][] validationMeans;
        private final Random random = new Random(seed ^ 0x5DEECE66DL);
        private final List<NDArray> firstMoments = new ArrayList<>();
        private final List<NDArray> secondMoments = new ArrayList<>();
        private int steps;

        Trainer(Network network, FitData data, Samples train, Scaling scaling, List<Integer> validationImages,
                float[][] validationMeans) {
            this.network = network;
            this.data = data;
            this.train = train;
            this.scaling = scaling;
            this.validationImages = validationImages.stream().mapToInt(Integer::intValue).toArray();
            this.validationMeans = validationMeans;
            for (NDArray parameter : network.parameters()) {
                firstMoments.add(network.manager().zeros(parameter.getShape(), DataType.FLOAT32, Device.cpu()));
                secondMoments.add(network.manager().zeros(parameter.getShape(), DataType.FLOAT32, Device.cpu()));
            }
        }

        /** Trains and returns the parameters with the best validation correlation (the last ones without validation images). */
        float[][] run() {
            long start = System.nanoTime();
            double rate = settings.learningRate();
            double best = Double.NEGATIVE_INFINITY;
            float[][] bestValues = network.snapshot();
            int bestEpoch = 0;
            int stale = 0;
            int drops = 0;
            int epoch = 0;
            int[] order = new int[train.count()];
            for (int s = 0; s < order.length; s++) {
                order[s] = s;
            }
            while (epoch < settings.maxEpochs()) {
                shuffle(order);
                for (int from = 0; from < order.length; from += settings.batchSize()) {
                    step(order, from, Math.min(order.length, from + settings.batchSize()), rate);
                }
                epoch++;

                if (validationImages.length < 3) {
                    bestValues = network.snapshot();
                    bestEpoch = epoch;
                    continue;
                }
                double score = validationCorrelation();
                if (score > best + 1e-4) {
                    best = score;
                    bestValues = network.snapshot();
                    bestEpoch = epoch;
                    stale = 0;
                } else if (++stale >= settings.patience()) {
                    if (drops == settings.rateDrops()) {
                        break;
                    }
                    drops++;
                    rate /= 3;
                    stale = 0;
                    restore(bestValues);
                }
            }

            log.debug("CNN stopped after {} epochs of {} samples in {} ms; best validation r {} at epoch {}", epoch,
                    order.length, (System.nanoTime() - start) / 1_000_000, String.format("%.3f", best), bestEpoch);
            return bestValues;
        }

        private void shuffle(int[] order) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }

        private void step(int[] order, int from, int to, double rate) {
            int count = to - from;
            int neurons = data.neurons();
            int[] which = new int[count];
            float[] targets = new float[count * neurons];
            float[] weights = new float[count];
            float weightSum = 0;
            for (int s = 0; s < count; s++) {
                int sample = order[from + s];
                which[s] = train.image()[sample];
                weights[s] = train.weight()[sample];
                weightSum += weights[s];
                for (int n = 0; n < neurons; n++) {
                    targets[s * neurons + n] = scaling.target(train.responses()[sample][n], n);
                }
            }
            int size = data.size();
            NDManager manager = network.manager();
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray input = manager.create(batchPixels(data.images(), which, 0, count, scaling),
                        new Shape(count, 1, size, size));
                NDArray target = manager.create(targets, new Shape(count, neurons));
                NDArray weight = manager.create(weights, new Shape(count, 1));
                NDArray behaviour = states(order, from, to, train.behaviour(), BEHAVIOUR_INPUTS,
                        scaling.behaviourMean(), scaling.behaviourScale());
                NDArray pupil = states(order, from, to, train.pupil(), PUPIL_INPUTS, scaling.pupilMean(),
                        scaling.pupilScale());

                // Gradients are taken with libtorch's autograd directly rather than through a DJL
                // GradientCollector: DJL's PyTorch engine allows only one collector per JVM at a
                // time, and the trainer may be collecting in the same JVM.
                JniUtils.setGradMode(true);
                NDArray output = network.forward(input, behaviour, pupil);
                NDArray poisson = output.sub(target.mul(output.add(EPSILON).log())).mul(weight).sum()
                        .div(weightSum * neurons);
                NDArray loss = poisson.add(network.penalty(settings));
                JniUtils.backward((PtNDArray) loss, (PtNDArray) manager.ones(loss.getShape()), false, false);
                JniUtils.setGradMode(false);
                adam(rate);
            } finally {
                JniUtils.setGradMode(false);
            }
        }

        private NDArray states(int[] order, int from, int to, float[][] rows, int width, float[] mean, float[] scale) {
            if (rows == null) {
                return null;
            }
            float[] values = new float[(to - from) * width];
            for (int s = from; s < to; s++) {
                for (int d = 0; d < width; d++) {
                    values[(s - from) * width + d] = Scaling.standardised(rows[order[s]][d], mean, scale, d);
                }
            }
            return network.manager().create(values, new Shape(to - from, width));
        }

        /** Applies one Adam update (beta 0.9 and 0.999) in place with grad mode off, then zeroes the gradients. */
        private void adam(double rate) {
            steps++;
            double firstCorrection = 1 - Math.pow(0.9, steps);
            double secondCorrection = 1 - Math.pow(0.999, steps);
            List<NDArray> parameters = network.parameters();
            for (int p = 0; p < parameters.size(); p++) {
                NDArray parameter = parameters.get(p);
                NDArray gradient = parameter.getGradient();
                NDArray first = firstMoments.get(p);
                NDArray second = secondMoments.get(p);
                first.muli(0.9f).addi(gradient.mul(0.1f));
                second.muli(0.999f).addi(gradient.square().mul(0.001f));
                NDArray denominator = second.div(secondCorrection).sqrt().add(1e-8f);
                parameter.subi(first.div(denominator).mul(rate / firstCorrection));
                gradient.subi(gradient);
            }
        }

        private void restore(float[][] values) {
            List<NDArray> parameters = network.parameters();
            for (int p = 0; p < parameters.size(); p++) {
                parameters.get(p).set(values[p]);
            }
        }

        /** Returns the mean over neurons of the correlation between predictions and validation image means. */
        double validationCorrelation() {
            float[] predicted = predictScaled(network, data.images(), validationImages, scaling);
            int neurons = data.neurons();
            double[] r = new double[neurons];
            double[] p = new double[validationImages.length];
            double[] o = new double[validationImages.length];
            for (int n = 0; n < neurons; n++) {
                for (int i = 0; i < validationImages.length; i++) {
                    p[i] = predicted[i * neurons + n];
                    o[i] = validationMeans[validationImages[i]][n];
                }
                r[n] = Stats.pearson(p, o);
            }
            double mean = Stats.mean(r);
            return Double.isNaN(mean) ? Double.NEGATIVE_INFINITY : mean;
        }
    }

    /** The fitted network, kept as parameter values; predictions run in a manager of their own. */
    private static final class Model implements ResponseModel {
        private final Architecture architecture;
        private final Scaling scaling;
        private final float[][] values;

        Model(Architecture architecture, Scaling scaling, float[][] values) {
            this.architecture = architecture;
            this.scaling = scaling;
            this.values = values;
        }

        @Override
        public float[] predict(float[] images, int count) {
            int pixels = architecture.size() * architecture.size();
            if (images.length != count * pixels) {
                throw new IllegalArgumentException("Expected " + count + " images of " + architecture.size() + "x"
                        + architecture.size() + " pixels, got " + images.length + " values");
            }
            float[][] split = new float[count][];
            int[] which = new int[count];
            for (int i = 0; i < count; i++) {
                split[i] = Arrays.copyOfRange(images, i * pixels, (i + 1) * pixels);
                which[i] = i;
            }
            float[] scaled;
            try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                Network network = Network.fromValues(manager, architecture, values, false);
                scaled = predictScaled(network, split, which, scaling);
            }
            int neurons = architecture.neurons();
            for (int i = 0; i < count; i++) {
                for (int n = 0; n < neurons; n++) {
                    scaled[i * neurons + n] = scaling.response(scaled[i * neurons + n], n);
                }
            }
            return scaled;
        }

        @Override
        public int neuronCount() {
            return architecture.neurons();
        }
    }
}
