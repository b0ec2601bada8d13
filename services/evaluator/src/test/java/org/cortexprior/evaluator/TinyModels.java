package org.cortexprior.evaluator;

import java.util.List;
import java.util.Random;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import org.cortexprior.trainer.ImageClassifier;

/**
 * Small convolutional classifiers trained with DJL on synthetic grating images (horizontal,
 * vertical and diagonal stripes of random phase and frequency plus pixel noise), for tests that
 * need a real trained network but must run in seconds without data files.
 */
final class TinyModels {

    static final int SIZE = 16;
    static final List<String> CLASSES = List.of("horizontal", "vertical", "diagonal");

    private TinyModels() {
    }

    /** Returns {@code count} grating images with seeded random phases, frequencies and noise. */
    static LabeledImages gratings(int count, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[count * SIZE * SIZE];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int label = i % CLASSES.size();
            labels[i] = label;
            double frequency = 2 * Math.PI / (4 + 4 * random.nextDouble());
            double phase = 2 * Math.PI * random.nextDouble();
            double contrast = 0.15 + 0.2 * random.nextDouble();
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    double position = label == 0 ? y : label == 1 ? x : (x + y) / Math.sqrt(2);
                    double value = 0.5 + contrast * Math.sin(frequency * position + phase) + 0.08 * random.nextGaussian();
                    pixels[i * SIZE * SIZE + y * SIZE + x] = (float) Math.max(0, Math.min(1, value));
                }
            }
        }
        return new LabeledImages(pixels, labels, 1, SIZE, SIZE, CLASSES, "synthetic gratings (seed " + seed + ")");
    }

    /**
     * Trains a conv-relu-average-pool-linear network with Adam; {@code blur} adds a fixed 3x3
     * average-pooling front end. The same seed gives the same weights on CPU.
     */
    static ImageClassifier train(LabeledImages images, long seed, int epochs, boolean blur) {
        Engine.getInstance().setRandomSeed((int) seed);
        SequentialBlock block = new SequentialBlock();
        if (blur) {
            block.add(x -> new NDList(Pool.avgPool2d(x.singletonOrThrow(), new Shape(3, 3), new Shape(1, 1),
                    new Shape(1, 1), false, false)));
        }
        // Centring the input lets the few training steps go into orientation features, not the mean level.
        block.add(x -> new NDList(x.singletonOrThrow().sub(0.5f).mul(4f)));
        block.add(Conv2d.builder().setKernelShape(new Shape(5, 5)).optPadding(new Shape(2, 2)).setFilters(8).build())
                .add(Activation::relu)
                .add(Pool.globalAvgPool2dBlock())
                .add(Linear.builder().setUnits(CLASSES.size()).build());
        Model model = Model.newInstance("tiny-" + seed, Device.cpu());
        model.setBlock(block);

        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.02f)).build())
                .optDevices(new Device[] {Device.cpu()});
        int batch = 32;
        int size = images.imageSize();
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(new Shape(1, 1, SIZE, SIZE));
            Random order = new Random(seed);
            for (int epoch = 0; epoch < epochs; epoch++) {
                int[] permutation = order.ints(0, images.size()).distinct().limit(images.size()).toArray();
                for (int start = 0; start + batch <= images.size(); start += batch) {
                    float[] pixels = new float[batch * size];
                    float[] labels = new float[batch];
                    for (int i = 0; i < batch; i++) {
                        images.copyImage(permutation[start + i], pixels, i * size);
                        labels[i] = images.label(permutation[start + i]);
                    }
                    try (NDManager scope = model.getNDManager().newSubManager();
                            GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray x = scope.create(pixels, new Shape(batch, 1, SIZE, SIZE));
                        NDList prediction = trainer.forward(new NDList(x));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(scope.create(labels)), prediction);
                        collector.backward(loss);
                    }
                    trainer.step();
                }
            }
        }
        return new BlockClassifier(model);
    }

    /** A trained DJL model behind the {@link ImageClassifier} contract. */
    private static final class BlockClassifier implements ImageClassifier {
        private final Model model;
        private final ParameterStore store;

        BlockClassifier(Model model) {
            this.model = model;
            this.store = new ParameterStore(model.getNDManager(), false);
        }

        @Override
        public int classCount() {
            return CLASSES.size();
        }

        @Override
        public List<String> classNames() {
            return CLASSES;
        }

        @Override
        public long[] inputShape() {
            return new long[] {1, SIZE, SIZE};
        }

        @Override
        public Device device() {
            return Device.cpu();
        }

        @Override
        public NDManager manager() {
            return model.getNDManager();
        }

        @Override
        public NDArray logits(NDArray images) {
            return model.getBlock().forward(store, new NDList(images), false).singletonOrThrow();
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
