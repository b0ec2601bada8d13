package org.cortexprior.trainer.internals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

import org.junit.jupiter.api.Test;

/**
 * The data-parallel step's arithmetic, on two shards of one CPU. The replica mechanism works the
 * same whether or not its device differs from the primary one, and no second GPU exists here.
 *
 * <p>A batch made of the same images twice, split into two shards, gives each shard exactly the
 * single-device batch: the same batch-norm statistics, tap means and gradients. The weighted sum of
 * the two shard gradients must then equal the single-device gradient, so both runs must end with
 * the same parameters, running statistics and losses.
 */
class DataParallelStepTest {

    private static final int SIZE = 16;
    private static final int BATCH = 6;
    private static final int PAIRS = 4;

    @Test
    void doubledBatchOnTwoShards() {
        Random random = new Random(11);
        List<float[]> images = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        List<PairBatch> pairs = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            images.add(uniform(random, BATCH * SIZE * SIZE));
            int[] stepLabels = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                stepLabels[i] = random.nextInt(4);
            }
            labels.add(stepLabels);
            float[] targets = new float[PAIRS];
            for (int i = 0; i < PAIRS; i++) {
                targets[i] = random.nextFloat() * 1.6f - 0.8f;
            }
            pairs.add(new PairBatch(uniform(random, 2 * PAIRS * SIZE * SIZE), targets, PAIRS, SIZE));
        }

        Trained single = train(images, labels, pairs, false);
        Trained parallel = train(images, labels, pairs, true);

        for (int s = 0; s < 3; s++) {
            assertEquals(single.crossEntropy[s], parallel.crossEntropy[s], 1e-5, "cross-entropy of step " + s);
            assertEquals(single.similarity[s], parallel.similarity[s], 1e-5, "similarity loss of step " + s);
        }
        assertEquals(single.parameters.size(), parallel.parameters.size());
        for (int p = 0; p < single.parameters.size(); p++) {
            float[] want = single.parameters.get(p);
            float[] got = parallel.parameters.get(p);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-5 * Math.max(1, Math.abs(want[i])),
                        "parameter " + single.names.get(p) + " element " + i);
            }
        }
        assertArrayEquals(single.lastLogits, java.util.Arrays.copyOf(parallel.lastLogits, single.lastLogits.length),
                1e-4f, "logits of the first copy of the batch");
    }

    @Test
    void batchSmallerThanShardsRejected() {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TappedResNet model = model(manager);
            try (TrainingStep step = new TrainingStep(model, new ParameterStore(manager, false),
                    new MomentumSgd(trainable(model), null, 0.9), manager, TrainingStep.PairMode.REGULARISE,
                    10, 1e-2, 0.9, List.of(Device.cpu(), Device.cpu()))) {
                PairBatch onePair = new PairBatch(new float[2 * SIZE * SIZE], new float[1], 1, SIZE);
                IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                        () -> step.run(new float[6 * SIZE * SIZE], new int[6], SIZE, onePair, 0.01, true));
                assertEquals("A step on 3 devices needs at least 3 classification images and pairs, not 6 and 1",
                        error.getMessage());
            }
        }
    }

    private record Trained(double[] crossEntropy, double[] similarity, List<String> names, List<float[]> parameters,
                           float[] lastLogits) {
    }

    private static Trained train(List<float[]> images, List<int[]> labels, List<PairBatch> pairs, boolean doubled) {
        Engine.getInstance().setRandomSeed(7);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TappedResNet model = model(manager);
            MomentumSgd sgd = new MomentumSgd(trainable(model), null, 0.9);
            double[] crossEntropy = new double[images.size()];
            double[] similarity = new double[images.size()];
            float[] logits = null;
            try (TrainingStep step = new TrainingStep(model, new ParameterStore(manager, false), sgd, manager,
                    TrainingStep.PairMode.REGULARISE, 10, 1e-2, 0.9, doubled ? List.of(Device.cpu()) : List.of())) {
                for (int s = 0; s < images.size(); s++) {
                    float[] stepImages = doubled ? twice(images.get(s)) : images.get(s);
                    int[] stepLabels = doubled ? twice(labels.get(s)) : labels.get(s);
                    PairBatch stepPairs = doubled ? twice(pairs.get(s)) : pairs.get(s);
                    TrainingStep.Result result = step.run(stepImages, stepLabels, SIZE, stepPairs, 0.05, s == 0);
                    crossEntropy[s] = result.crossEntropy();
                    similarity[s] = result.similarityLoss();
                    logits = result.logits();
                }
            }
            List<String> names = new ArrayList<>();
            List<float[]> values = new ArrayList<>();
            for (var entry : model.getParameters()) {
                names.add(entry.getKey());
                values.add(entry.getValue().getArray().toFloatArray());
            }
            return new Trained(crossEntropy, similarity, names, values, logits);
        }
    }

    private static TappedResNet model(NDManager manager) {
        TappedResNet model = new TappedResNet(ModelSpec.resnet18(0.125, SIZE, List.of("a", "b", "c", "d"), 0));
        model.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIZE, SIZE));
        return model;
    }

    private static List<Parameter> trainable(TappedResNet model) {
        List<Parameter> trainable = new ArrayList<>();
        for (Parameter parameter : model.getParameters().values()) {
            if (parameter.requiresGradient()) {
                parameter.getArray().setRequiresGradient(true);
                trainable.add(parameter);
            }
        }
        return trainable;
    }

    private static float[] twice(float[] values) {
        float[] doubled = java.util.Arrays.copyOf(values, 2 * values.length);
        System.arraycopy(values, 0, doubled, values.length, values.length);
        return doubled;
    }

    private static int[] twice(int[] values) {
        int[] doubled = java.util.Arrays.copyOf(values, 2 * values.length);
        System.arraycopy(values, 0, doubled, values.length, values.length);
        return doubled;
    }

    /** Returns the pairs twice over: first images, first images again, then second images twice. */
    private static PairBatch twice(PairBatch batch) {
        int half = batch.pairs() * batch.resolution() * batch.resolution();
        float[] pixels = new float[4 * half];
        System.arraycopy(batch.pixels(), 0, pixels, 0, half);
        System.arraycopy(batch.pixels(), 0, pixels, half, half);
        System.arraycopy(batch.pixels(), half, pixels, 2 * half, half);
        System.arraycopy(batch.pixels(), half, pixels, 3 * half, half);
        return new PairBatch(pixels, twice(batch.targets()), 2 * batch.pairs(), batch.resolution());
    }

    private static float[] uniform(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = random.nextFloat();
        }
        return values;
    }
}
