package org.cortexprior.trainer.internals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.cortexprior.avro.TrainingEventType;
import org.cortexprior.cli.InvalidInputException;
import org.cortexprior.trainer.TrainerConfig;
import org.cortexprior.trainer.TrainingListener;
import org.cortexprior.trainer.TrainingParameters;
import org.cortexprior.trainer.TrainingSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * The training loop: alternating classification and pair batches through one {@link TappedResNet},
 * cross-entropy plus alpha times the similarity loss, SGD with momentum on the cyclic schedule,
 * validation each epoch with the best checkpoint kept, and exact resumption.
 *
 * <p>Everything random is a function of the seed and the position: the data order of epoch e is a
 * permutation seeded by (seed, e), and augmentation and pair draws of step s by (seed, s). A run
 * resumed from a checkpoint therefore sees the same batches as one that never stopped.
 *
 * <p>Not thread-safe; one thread runs a loop.
 */
public final class TrainerLoop {

    private static final Logger log = LoggerFactory.getLogger(TrainerLoop.class);

    private static final int LOSS_WINDOW = 10;
    private static final int PROGRESS_EVENT_STEPS = 50;
    /** Checkpoint manifest entries naming the run's target and profile. */
    private static final String TARGET_KEY = "target";
    private static final String PROFILE_KEY = "profile";

    private final TrainerConfig config;
    private final TrainingParameters p;
    private final ClassificationData data;
    private final PairSource pairs;
    private final TrainingEvents events;
    private final TrainerMetrics metrics;
    private final Device device;
    private final List<Device> replicaDevices;
    private final TrainingStep.PairMode pairMode;
    private long stopAfterSteps = Long.MAX_VALUE;

    public TrainerLoop(TrainerConfig config, ClassificationData data, PairSource pairs, TrainingEvents events,
                       TrainerMetrics metrics, Device device, TrainingStep.PairMode pairMode) {
        this(config, data, pairs, events, metrics, List.of(device), pairMode);
    }

    /**
     * @param devices the devices to train on; the first keeps the model, and each step's batch
     *     and pairs are split between all of them
     */
    public TrainerLoop(TrainerConfig config, ClassificationData data, PairSource pairs, TrainingEvents events,
                       TrainerMetrics metrics, List<Device> devices, TrainingStep.PairMode pairMode) {
        this.config = config;
        this.p = config.parameters();
        this.data = data;
        this.pairs = pairs;
        this.events = events;
        this.metrics = metrics;
        this.device = devices.get(0);
        this.replicaDevices = List.copyOf(devices.subList(1, devices.size()));
        this.pairMode = pairMode;
        int shards = devices.size();
        if (p.batchSize() < shards || (config.target() != org.cortexprior.trainer.SimilarityTarget.NONE
                && p.pairsPerStep() < shards)) {
            throw new InvalidInputException("Training on " + shards + " devices splits each step between them; "
                    + "the batch of " + p.batchSize() + " images and " + p.pairsPerStep()
                    + " pairs must have at least one of each per device");
        }
    }

    /** Returns the devices as one text, such as {@code cpu()} or {@code gpu(0),gpu(1)}. */
    private String devicesText() {
        StringBuilder text = new StringBuilder(device.toString());
        for (Device replica : replicaDevices) {
            text.append(',').append(replica);
        }
        return text.toString();
    }

    /** Stops the run after this many steps in total, as a crash would (no final checkpoint); for tests. */
    public TrainerLoop stopAfterSteps(long steps) {
        this.stopAfterSteps = steps;
        return this;
    }

    private String prefix() {
        return "[trainer run=" + config.runId() + "]";
    }

    public TrainingSummary run() {
        long started = System.nanoTime();
        Path out = config.outputDir();
        Path latestDir = out.resolve("checkpoint");
        Path bestDir = out.resolve("best");
        ModelSpec spec = ModelSpec.resnet18(p.widthMultiplier(), p.imageSize(), data.train().classNames(),
                config.blurSigma());
        int stepsPerEpoch = Math.max(1, data.train().size() / p.batchSize());
        long totalSteps = (long) stepsPerEpoch * p.epochs();
        CyclicSchedule schedule = new CyclicSchedule(p.learningRate(), p.cycleEpochs(), p.phases(), p.phaseDecay(),
                stepsPerEpoch);
        TrainingListener listener = config.listener() != null ? config.listener() : new TrainingListener() { };

        Engine.getInstance().setRandomSeed((int) config.seed());
        try (NDManager manager = NDManager.newBaseManager(device)) {
            TappedResNet model = new TappedResNet(spec);
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 1, p.imageSize(), p.imageSize()));

            int epoch = 0;
            int stepInEpoch = 0;
            long globalStep = 0;
            double bestValidation = -1;
            NDList restoredMomentum = null;
            if (config.resume() && CheckpointStore.exists(latestDir)) {
                CheckpointStore.Manifest manifest = CheckpointStore.readManifest(latestDir);
                requireSameArchitecture(manifest.spec(), spec, latestDir);
                if (manifest.seed() != config.seed()) {
                    throw new InvalidInputException("Checkpoint " + latestDir + " belongs to seed " + manifest.seed()
                            + ", not " + config.seed() + "; choose another --out or the same seed");
                }
                requireSameRun(manifest, latestDir);
                CheckpointStore.loadParameters(latestDir, manifest, model, manager);
                restoredMomentum = CheckpointStore.loadMomentum(latestDir, manifest, manager);
                epoch = manifest.epoch();
                stepInEpoch = manifest.stepInEpoch();
                globalStep = manifest.globalStep();
                bestValidation = manifest.bestValidationAccuracy();
                log.info("{} Resuming from {} at epoch {}, step {} of the epoch ({} steps done)", prefix(), latestDir,
                        epoch, stepInEpoch, globalStep);
                Path summaryFile = out.resolve("summary.json");
                if (epoch >= p.epochs() && Files.isRegularFile(summaryFile)) {
                    // Training again would report empty losses over a model trained earlier.
                    log.info("{} Run {} is already complete ({} steps); returning its summary from {}", prefix(),
                            config.runId(), globalStep, summaryFile);
                    listener.started(globalStep, globalStep);
                    return readSummary(summaryFile);
                }
            }
            List<Parameter> trainable = new ArrayList<>();
            for (Parameter param : model.getParameters().values()) {
                if (param.requiresGradient()) {
                    param.getArray().setRequiresGradient(true);
                    trainable.add(param);
                }
            }
            MomentumSgd sgd = new MomentumSgd(trainable, restoredMomentum, p.momentum());
            if (restoredMomentum != null) {
                restoredMomentum.close();
            }
            ParameterStore store = new ParameterStore(manager, false);
            TrainingStep step = new TrainingStep(model, store, sgd, manager, pairMode, p.alpha(), p.epsilon(),
                    p.meanMomentum(), replicaDevices);

            log.info("{} Training {} on {} ({} training, {} validation, {} test images), target {}, profile {}, "
                            + "widths {}, {} epochs x {} steps, batch {} + {} pairs",
                    prefix(), config.runId(), devicesText(), data.train().size(), data.validation().size(), data.test().size(),
                    config.target().cliName(), config.profile().name().toLowerCase(java.util.Locale.ROOT),
                    Arrays.toString(spec.widths()), p.epochs(), stepsPerEpoch, p.batchSize(), p.pairsPerStep());
            events.send(TrainingEventType.STARTED, epoch, globalStep, Map.of("totalSteps", (double) totalSteps),
                    totalVersion(), "target " + config.target().cliName());
            listener.started(totalSteps, globalStep);

            List<Double> stepCe = new ArrayList<>();
            List<Double> stepSim = new ArrayList<>();
            List<Double> epochCe = new ArrayList<>();
            List<Double> epochSim = new ArrayList<>();
            double trainAccuracy = Double.NaN;
            long imagesSeen = 0;
            double trainingSeconds = 0;
            Map<String, Long> lastVersions = new HashMap<>(pairs.versions());

            for (; epoch < p.epochs(); epoch++) {
                int[] order = permutation(data.train().size(), config.seed() * 1_000_003L + epoch);
                double ceSum = 0;
                double simSum = 0;
                int simCount = 0;
                int correct = 0;
                int seen = 0;
                for (int s = stepInEpoch; s < stepsPerEpoch; s++) {
                    if (globalStep >= stopAfterSteps) {
                        log.info("{} Stopping after {} steps as requested", prefix(), globalStep);
                        return null;
                    }
                    if (pairs.refresh()) {
                        reportMatrixChange(lastVersions, epoch, globalStep);
                    }
                    long stepStart = System.nanoTime();
                    Random random = new Random(config.seed() * 7_919L + globalStep * 104_729L + 17);
                    int[] labels = new int[p.batchSize()];
                    float[] batch = classificationBatch(order, s * p.batchSize(), labels, random);
                    PairBatch pairBatch = config.target() == org.cortexprior.trainer.SimilarityTarget.NONE
                            ? null : pairs.draw(random, p.pairsPerStep());
                    double lr = schedule.rate(globalStep);

                    TrainingStep.Result result = step.run(batch, labels, p.imageSize(), pairBatch, lr, globalStep == 0);
                    double ce = result.crossEntropy();
                    double sim = result.similarityLoss();
                    float[] logits = result.logits();
                    if (!Double.isFinite(ce) || (pairBatch != null && !Double.isFinite(sim))) {
                        throw new IllegalStateException(prefix() + " Loss became non-finite at step " + globalStep
                                + " (cross-entropy " + ce + ", similarity " + sim + "); lower the learning rate or alpha");
                    }
                    trainingSeconds += (System.nanoTime() - stepStart) / 1e9;
                    imagesSeen += p.batchSize() + (pairBatch == null ? 0 : 2L * pairBatch.pairs());
                    correct += countCorrect(logits, labels, spec.classNames().size());
                    seen += labels.length;

                    ceSum += ce;
                    stepCe.add(ce);
                    if (!Double.isNaN(sim)) {
                        simSum += sim;
                        simCount++;
                        stepSim.add(sim);
                    }
                    globalStep++;
                    metrics.step(ce, sim, Double.isNaN(sim) ? ce : ce + p.alpha() * sim, lr, epoch);
                    metrics.throughput(imagesSeen / Math.max(1e-9, trainingSeconds));
                    listener.step(globalStep, ce, sim);
                    if (globalStep % PROGRESS_EVENT_STEPS == 0) {
                        metrics.tapWeights(tapWeights(model));
                        events.send(TrainingEventType.PROGRESS, epoch, globalStep, progressMetrics(ce, sim, lr,
                                imagesSeen / Math.max(1e-9, trainingSeconds), tapWeights(model)), totalVersion(), null);
                    }
                    if (p.checkpointEverySteps() > 0 && globalStep % p.checkpointEverySteps() == 0 && s + 1 < stepsPerEpoch) {
                        writeLatest(latestDir, spec, model, sgd, epoch, s + 1, globalStep, bestValidation, ce, sim);
                    }
                }
                stepInEpoch = 0;
                trainAccuracy = seen == 0 ? Double.NaN : (double) correct / seen;
                int epochSteps = stepsPerEpoch;
                epochCe.add(ceSum / Math.max(1, seen / p.batchSize()));
                epochSim.add(simCount == 0 ? Double.NaN : simSum / simCount);

                double validation = accuracy(model, store, manager, data.validation());
                metrics.accuracy("train", trainAccuracy);
                metrics.accuracy("validation", validation);
                metrics.tapWeights(tapWeights(model));
                boolean best = validation > bestValidation;
                if (best) {
                    bestValidation = validation;
                    CheckpointStore.write(bestDir, manifest(spec, "model-" + globalStep + ".params", null, epoch + 1, 0,
                            globalStep, bestValidation, Map.of("validationAccuracy", validation)), model, null);
                }
                writeLatest(latestDir, spec, model, sgd, epoch + 1, 0, globalStep, bestValidation,
                        epochCe.get(epochCe.size() - 1), epochSim.get(epochSim.size() - 1));
                log.info("{} Epoch {}/{} done: cross-entropy {}, similarity loss {}, train accuracy {}, "
                                + "validation accuracy {}{}, {} images/s over {} steps", prefix(), epoch + 1, p.epochs(),
                        fmt(epochCe.get(epochCe.size() - 1)), fmt(epochSim.get(epochSim.size() - 1)), fmt(trainAccuracy),
                        fmt(validation), best ? " (new best, checkpoint kept)" : "",
                        fmt(imagesSeen / Math.max(1e-9, trainingSeconds)), epochSteps);
                Map<String, Double> epochMetrics = progressMetrics(epochCe.get(epochCe.size() - 1),
                        epochSim.get(epochSim.size() - 1), schedule.rate(globalStep),
                        imagesSeen / Math.max(1e-9, trainingSeconds), tapWeights(model));
                epochMetrics.put("accuracy.train", trainAccuracy);
                epochMetrics.put("accuracy.validation", validation);
                events.send(TrainingEventType.EPOCH_END, epoch, globalStep, epochMetrics, totalVersion(), null);
                events.send(TrainingEventType.CHECKPOINT, epoch, globalStep, Map.of(), totalVersion(),
                        latestDir.toString());
                listener.epochEnd(epoch, validation);
            }

            float[] weights = tapWeights(model);
            double testAccuracy = Double.NaN;
            Path safetensors = out.resolve("export").resolve("model.safetensors");
            Path bestResolved = CheckpointStore.exists(bestDir) ? bestDir : latestDir;
            try (var best = org.cortexprior.trainer.TrainedModels.load(bestResolved, device)) {
                LoadedClassifier loaded = (LoadedClassifier) best;
                if (data.test().size() > 0) {
                    testAccuracy = accuracy(loaded.model(), new ParameterStore(loaded.manager(), false),
                            loaded.manager(), data.test());
                    metrics.accuracy("test", testAccuracy);
                }
                export(out, loaded, spec);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            double imagesPerSecond = imagesSeen / Math.max(1e-9, trainingSeconds);
            List<Double> tapList = new ArrayList<>();
            for (float w : weights) {
                tapList.add((double) w);
            }
            TrainingSummary summary = new TrainingSummary(config.runId(), config.target().cliName(),
                    config.profile().name().toLowerCase(java.util.Locale.ROOT), config.seed(), config.blurSigma(),
                    devicesText(), p.epochs(), globalStep, data.train().size(),
                    windowMean(stepCe, true), windowMean(stepCe, false),
                    windowMean(stepSim, true), windowMean(stepSim, false), epochCe, epochSim,
                    trainAccuracy, bestValidation, testAccuracy, imagesPerSecond,
                    new LinkedHashMap<>(pairs.versions()), new LinkedHashMap<>(pairs.coverage()), tapList,
                    bestResolved, safetensors, seconds);
            Map<String, Double> finalMetrics = progressMetrics(summary.finalCrossEntropy(), summary.finalSimilarityLoss(),
                    schedule.rate(globalStep), imagesPerSecond, weights);
            finalMetrics.put("accuracy.validation", bestValidation);
            if (!Double.isNaN(testAccuracy)) {
                finalMetrics.put("accuracy.test", testAccuracy);
            }
            events.send(TrainingEventType.FINISHED, p.epochs() - 1, globalStep, finalMetrics, totalVersion(),
                    "best checkpoint " + bestResolved);
            log.info("{} Finished in {} s: validation accuracy {}, test accuracy {}, {} images/s; best checkpoint {}",
                    prefix(), fmt(seconds), fmt(bestValidation), fmt(testAccuracy), fmt(imagesPerSecond), bestResolved);
            return summary;
        }
    }

    private void reportMatrixChange(Map<String, Long> lastVersions, int epoch, long globalStep) {
        Map<String, Long> versions = pairs.versions();
        Map<String, Double> coverage = pairs.coverage();
        for (Map.Entry<String, Long> e : versions.entrySet()) {
            Long before = lastVersions.get(e.getKey());
            if (!e.getValue().equals(before)) {
                log.info("{} Matrix {} changed from version {} to {} before step {} (coverage {})", prefix(),
                        e.getKey(), before, e.getValue(), globalStep, fmt(coverage.getOrDefault(e.getKey(), Double.NaN)));
                Map<String, Double> m = new HashMap<>();
                m.put("coverage", coverage.getOrDefault(e.getKey(), Double.NaN));
                events.send(TrainingEventType.MATRIX_UPDATED, epoch, globalStep, m, e.getValue(), e.getKey());
            }
        }
        lastVersions.clear();
        lastVersions.putAll(versions);
        metrics.matrices(versions, coverage);
    }

    private Long totalVersion() {
        Map<String, Long> versions = pairs.versions();
        if (versions.isEmpty()) {
            return null;
        }
        return versions.values().stream().mapToLong(Long::longValue).sum();
    }

    private void writeLatest(Path dir, ModelSpec spec, TappedResNet model, MomentumSgd sgd, int epoch, int stepInEpoch,
                             long globalStep, double bestValidation, double ce, double sim) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("crossEntropy", ce);
        extra.put("similarityLoss", Double.isNaN(sim) ? null : sim);
        extra.put("matrixVersions", pairs.versions());
        extra.put(TARGET_KEY, config.target().cliName());
        extra.put(PROFILE_KEY, config.profile().name().toLowerCase(java.util.Locale.ROOT));
        CheckpointStore.write(dir, manifest(spec, "model-" + globalStep + ".params", "optimizer-" + globalStep + ".ndlist",
                epoch, stepInEpoch, globalStep, bestValidation, extra), model, sgd.buffers());
    }

    private CheckpointStore.Manifest manifest(ModelSpec spec, String params, String optimizer, int epoch, int stepInEpoch,
                                              long globalStep, double best, Map<String, ?> extra) {
        return new CheckpointStore.Manifest(CheckpointStore.FORMAT, CheckpointStore.FORMAT_VERSION, spec, params,
                optimizer, epoch, stepInEpoch, globalStep, best, config.seed(), new LinkedHashMap<>(extra));
    }

    private void export(Path out, LoadedClassifier best, ModelSpec spec) {
        try {
            Path exportDir = out.resolve("export");
            Files.createDirectories(exportDir);
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("format", "cortexprior tapped ResNet-18, torchvision names");
            metadata.put("widths", Arrays.toString(spec.widths()));
            metadata.put("stem", "Conv2d(" + spec.inputChannels() + ", " + spec.widths()[0] + ", " + spec.stemKernel()
                    + ", stride 1, padding " + spec.stemKernel() / 2 + ", bias False); no max pool");
            metadata.put("input", "grayscale in [0, 1], blurred when blur_sigma > 0, then 5 * (x - 0.5)");
            metadata.put("blur_sigma", Double.toString(spec.blurSigma()));
            metadata.put("image_size", Integer.toString(spec.imageSize()));
            metadata.put("class_names", String.join(",", spec.classNames()));
            metadata.put("target", config.target().cliName());
            metadata.put("seed", Long.toString(config.seed()));
            SafetensorsExport.write(exportDir.resolve("model.safetensors"), best.model(), metadata);

            Path djlDir = exportDir.resolve("djl");
            Files.createDirectories(djlDir);
            try (Model model = Model.newInstance("cortexprior-resnet", device)) {
                model.setBlock(best.model());
                model.setProperty("classNames", String.join(",", spec.classNames()));
                model.save(djlDir, "cortexprior-resnet");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to export the trained model to " + out.resolve("export") + ": "
                    + e.getMessage(), e);
        }
    }

    private static TrainingSummary readSummary(Path file) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                    .readValue(file.toFile(), TrainingSummary.class);
        } catch (java.io.IOException e) {
            throw new InvalidInputException("The run in " + file.getParent() + " is complete, but its summary " + file
                    + " cannot be read (" + e.getMessage() + "); delete the folder to train again", e);
        }
    }

    /**
     * Rejects a checkpoint of another target or profile, which has the same architecture but
     * must not be continued (or reported) as this run. Checkpoints written before these fields
     * existed are accepted.
     */
    private void requireSameRun(CheckpointStore.Manifest manifest, Path dir) {
        String target = config.target().cliName();
        String profile = config.profile().name().toLowerCase(java.util.Locale.ROOT);
        Object foundTarget = manifest.extra() == null ? null : manifest.extra().get(TARGET_KEY);
        Object foundProfile = manifest.extra() == null ? null : manifest.extra().get(PROFILE_KEY);
        if (foundTarget != null && !foundTarget.equals(target)) {
            throw new InvalidInputException("Checkpoint " + dir + " was trained with target " + foundTarget + ", not "
                    + target + "; choose another --out for each target");
        }
        if (foundProfile != null && !foundProfile.equals(profile)) {
            throw new InvalidInputException("Checkpoint " + dir + " was trained with profile " + foundProfile + ", not "
                    + profile + "; choose another --out for each profile");
        }
    }

    private static void requireSameArchitecture(ModelSpec found, ModelSpec expected, Path dir) {
        if (!Arrays.equals(found.widths(), expected.widths()) || found.imageSize() != expected.imageSize()
                || !found.classNames().equals(expected.classNames()) || found.blurSigma() != expected.blurSigma()) {
            throw new InvalidInputException("Checkpoint " + dir + " contains a different model (widths "
                    + Arrays.toString(found.widths()) + ", image size " + found.imageSize() + ", blur " + found.blurSigma()
                    + ", classes " + found.classNames() + ") than this run expects (widths "
                    + Arrays.toString(expected.widths()) + ", image size " + expected.imageSize() + ", blur "
                    + expected.blurSigma() + ", classes " + expected.classNames() + "); choose another --out");
        }
    }

    /** Builds one augmented classification batch: random crop with reflect padding 4, random flip. */
    private float[] classificationBatch(int[] order, int start, int[] labels, Random random) {
        LabeledImages train = data.train();
        int size = train.imageSize();
        int plane = size * size;
        float[] batch = new float[labels.length * plane];
        for (int b = 0; b < labels.length; b++) {
            int index = order[(start + b) % order.length];
            labels[b] = train.labels()[index];
            int dx = random.nextInt(9) - 4;
            int dy = random.nextInt(9) - 4;
            boolean flip = random.nextBoolean();
            int base = index * plane;
            for (int y = 0; y < size; y++) {
                int sy = reflect(y + dy, size);
                for (int x = 0; x < size; x++) {
                    int sx = reflect((flip ? size - 1 - x : x) + dx, size);
                    batch[b * plane + y * size + x] = (train.pixels()[base + sy * size + sx] & 0xff) / 255f;
                }
            }
        }
        return batch;
    }

    private static int reflect(int i, int size) {
        if (i < 0) {
            return -i;
        }
        return i >= size ? 2 * size - 2 - i : i;
    }

    private static int[] permutation(int n, long seed) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int k = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[k];
            perm[k] = t;
        }
        return perm;
    }

    private static int countCorrect(float[] logits, int[] labels, int classes) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            int arg = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[i * classes + c] > logits[i * classes + arg]) {
                    arg = c;
                }
            }
            correct += arg == labels[i] ? 1 : 0;
        }
        return correct;
    }

    /** Returns the fraction of {@code images} the model classifies correctly, in evaluation mode. */
    static double accuracy(TappedResNet model, ParameterStore store, NDManager manager, LabeledImages images) {
        if (images.size() == 0) {
            return Double.NaN;
        }
        int size = images.imageSize();
        int plane = size * size;
        int classes = images.classNames().size();
        int correct = 0;
        int batchSize = 256;
        for (int start = 0; start < images.size(); start += batchSize) {
            int n = Math.min(batchSize, images.size() - start);
            float[] batch = new float[n * plane];
            for (int i = 0; i < n * plane; i++) {
                batch[i] = (images.pixels()[start * plane + i] & 0xff) / 255f;
            }
            try (NDManager evalManager = manager.newSubManager()) {
                NDArray x = evalManager.create(batch, new Shape(n, 1, size, size));
                float[] logits = model.forward(store, new NDList(x), false).head().toFloatArray();
                correct += countCorrect(logits, Arrays.copyOfRange(images.labels(), start, start + n), classes);
            }
        }
        return (double) correct / images.size();
    }

    private static float[] tapWeights(TappedResNet model) {
        try (NDArray weights = model.gamma().stopGradient().softmax(0)) {
            return weights.toFloatArray();
        }
    }

    private static Map<String, Double> progressMetrics(double ce, double sim, double lr, double imagesPerSecond,
                                                       float[] tapWeights) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss.crossEntropy", ce);
        if (!Double.isNaN(sim)) {
            m.put("loss.similarity", sim);
        }
        m.put("learningRate", lr);
        m.put("imagesPerSecond", imagesPerSecond);
        for (int k = 0; k < tapWeights.length; k++) {
            m.put("tapWeight." + k, (double) tapWeights[k]);
        }
        return m;
    }

    private static double windowMean(List<Double> values, boolean first) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        int n = Math.min(LOSS_WINDOW, values.size());
        List<Double> window = first ? values.subList(0, n) : values.subList(values.size() - n, values.size());
        return window.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Formats a figure to 4 significant digits, or "n/a" for NaN (a loss that was not computed). */
    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(java.util.Locale.ROOT, "%.4g", v);
    }
}
