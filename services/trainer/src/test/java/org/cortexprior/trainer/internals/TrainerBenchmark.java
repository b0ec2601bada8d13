package org.cortexprior.trainer.internals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Times {@link TrainingStep} on the CPU, for {@code bench/trainer.bench}: one classification batch
 * of 64 grayscale 32x32 images plus 16 pairs, ResNet-18 layout at the given width multiplier.
 *
 * <p>Regularised steps and steps {@link TrainingStep.PairMode#WITHOUT_SIMILARITY without the
 * similarity} alternate in rounds, so that load from other processes affects both alike. Each
 * figure is the median step time.
 *
 * <p>Usage: {@code TrainerBenchmark [WIDTH_MULTIPLIER [ROUNDS]]} (default 0.25 and 6). Prints the
 * regulariser's cost in the bench line format and one {@code # djl training step: N images/s}
 * line that the bench script compares with the PyTorch reference.
 */
public final class TrainerBenchmark {

    private static final int BATCH = 64;
    private static final int PAIRS = 16;
    private static final int SIZE = 32;
    private static final int WARM_UP_STEPS = 5;
    private static final int STEPS_PER_ROUND = 5;

    private TrainerBenchmark() {
    }

    public static void main(String[] args) {
        double widthMultiplier = args.length > 0 ? Double.parseDouble(args[0]) : 0.25;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        List<String> classes = IntStream.range(0, 10).mapToObj(i -> "class" + i).toList();
        ModelSpec spec = ModelSpec.resnet18(widthMultiplier, SIZE, classes, 0);

        Random random = new Random(1);
        float[] images = new float[BATCH * SIZE * SIZE];
        int[] labels = new int[BATCH];
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextFloat();
        }
        for (int i = 0; i < BATCH; i++) {
            labels[i] = random.nextInt(classes.size());
        }
        float[] pairPixels = new float[2 * PAIRS * SIZE * SIZE];
        float[] targets = new float[PAIRS];
        for (int i = 0; i < pairPixels.length; i++) {
            pairPixels[i] = random.nextFloat();
        }
        for (int i = 0; i < PAIRS; i++) {
            targets[i] = random.nextFloat() * 1.6f - 0.8f;
        }
        PairBatch pairs = new PairBatch(pairPixels, targets, PAIRS, SIZE);

        Engine.getInstance().setRandomSeed(1);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TappedResNet model = new TappedResNet(spec);
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIZE, SIZE));
            List<Parameter> trainable = new ArrayList<>();
            for (Parameter parameter : model.getParameters().values()) {
                if (parameter.requiresGradient()) {
                    parameter.getArray().setRequiresGradient(true);
                    trainable.add(parameter);
                }
            }
            MomentumSgd sgd = new MomentumSgd(trainable, null, 0.9);
            ParameterStore store = new ParameterStore(manager, false);
            TrainingStep regularised = new TrainingStep(model, store, sgd, manager, TrainingStep.PairMode.REGULARISE,
                    10, 1e-2, 0.9);
            TrainingStep withoutSimilarity = new TrainingStep(model, store, sgd, manager,
                    TrainingStep.PairMode.WITHOUT_SIMILARITY, 10, 1e-2, 0.9);

            // A small learning rate keeps the weights, and so the work per step, steady over the run.
            double lr = 1e-3;
            for (int i = 0; i < WARM_UP_STEPS; i++) {
                regularised.run(images, labels, SIZE, pairs, lr, i == 0);
                withoutSimilarity.run(images, labels, SIZE, pairs, lr, false);
            }
            double[] withTimes = new double[rounds * STEPS_PER_ROUND];
            double[] withoutTimes = new double[rounds * STEPS_PER_ROUND];
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < STEPS_PER_ROUND; i++) {
                    withTimes[round * STEPS_PER_ROUND + i] = time(regularised, images, labels, pairs, lr);
                }
                for (int i = 0; i < STEPS_PER_ROUND; i++) {
                    withoutTimes[round * STEPS_PER_ROUND + i] = time(withoutSimilarity, images, labels, pairs, lr);
                }
            }

            double with = median(withTimes);
            double without = median(withoutTimes);
            System.out.printf(Locale.ROOT, "# djl: widths %s, %d available processors, median of %d steps per mode%n",
                    Arrays.toString(spec.widths()), Runtime.getRuntime().availableProcessors(), withTimes.length);
            System.out.printf(Locale.ROOT,
                    "regulariser step time: %.1f ms; reference step without similarity: %.1f ms; ratio %.3f (target <= 1.15)%n",
                    with * 1e3, without * 1e3, with / without);
            System.out.printf(Locale.ROOT, "# djl training step: %.1f images/s (%.1f ms per step of %d + %d images)%n",
                    (BATCH + 2 * PAIRS) / with, with * 1e3, BATCH, 2 * PAIRS);
        }
    }

    private static double time(TrainingStep step, float[] images, int[] labels, PairBatch pairs, double lr) {
        long start = System.nanoTime();
        step.run(images, labels, SIZE, pairs, lr, false);
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
