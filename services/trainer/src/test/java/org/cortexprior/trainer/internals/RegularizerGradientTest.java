package org.cortexprior.trainer.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;

/**
 * Gradients of the similarity regulariser on a tiny two-convolution network in float64, checked
 * against central finite differences and against PyTorch.
 */
class RegularizerGradientTest {

    private static final int PAIRS = 3;
    private static final double EPSILON = 1e-2;

    @TempDir
    Path dir;

    private NDManager manager;
    private NDArray images;
    private NDArray w1;
    private NDArray w2;
    private NDArray gamma;
    private NDList means;
    private NDArray targets;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu());
        java.util.Random random = new java.util.Random(11);
        images = randomArray(random, new Shape(2 * PAIRS, 1, 6, 6), 1.0, 0.0);
        w1 = randomArray(random, new Shape(3, 1, 3, 3), 0.5, 0.0);
        w2 = randomArray(random, new Shape(4, 3, 3, 3), 0.3, 0.0);
        gamma = randomArray(random, new Shape(2), 0.5, 0.0);
        means = new NDList(randomArray(random, new Shape(3), 0.1, 0.2), randomArray(random, new Shape(4), 0.1, 0.2));
        targets = manager.create(new double[] {0.4, -0.3, 0.999});
    }

    @org.junit.jupiter.api.AfterEach
    void tearDown() {
        manager.close();
    }

    private NDArray randomArray(java.util.Random random, Shape shape, double scale, double offset) {
        double[] values = new double[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = offset + scale * random.nextGaussian();
        }
        return manager.create(values, shape);
    }

    private NDArray loss(NDArray first, NDArray second, NDArray mix) {
        NDArray tap0 = Activation.relu(Conv2d.conv2d(images, first, null, new Shape(1, 1), new Shape(1, 1)).head());
        NDArray tap1 = Activation.relu(Conv2d.conv2d(tap0, second, null, new Shape(2, 2), new Shape(1, 1)).head());
        NDArray similarity = SimilarityRegularizer.modelSimilarity(new NDList(tap0, tap1), means, mix);
        return SimilarityRegularizer.loss(similarity, targets, EPSILON);
    }

    private Map<String, double[]> analyticGradients() {
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (NDArray a : new NDArray[] {w1, w2, gamma}) {
            a.setRequiresGradient(true);
        }
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(loss(w1, w2, gamma));
        }
        grads.put("w1", w1.getGradient().toDoubleArray());
        grads.put("w2", w2.getGradient().toDoubleArray());
        grads.put("gamma", gamma.getGradient().toDoubleArray());
        return grads;
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Map<String, double[]> analytic = analyticGradients();
        Map<String, NDArray> arrays = Map.of("w1", w1, "w2", w2, "gamma", gamma);
        double h = 1e-6;
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            double[] base = e.getValue().toDoubleArray();
            for (int i = 0; i < base.length; i++) {
                double[] plus = base.clone();
                double[] minus = base.clone();
                plus[i] += h;
                minus[i] -= h;
                double lossPlus = lossWith(e.getKey(), plus, e.getValue().getShape());
                double lossMinus = lossWith(e.getKey(), minus, e.getValue().getShape());
                double numeric = (lossPlus - lossMinus) / (2 * h);
                double expected = analytic.get(e.getKey())[i];
                assertEquals(numeric, expected, 1e-6 + 1e-5 * Math.abs(numeric),
                        e.getKey() + "[" + i + "]: finite difference " + numeric + ", autograd " + expected);
            }
        }
    }

    private double lossWith(String name, double[] values, Shape shape) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray replaced = scope.create(values, shape);
            NDArray value = switch (name) {
                case "w1" -> loss(replaced, w2.stopGradient(), gamma.stopGradient());
                case "w2" -> loss(w1.stopGradient(), replaced, gamma.stopGradient());
                default -> loss(w1.stopGradient(), w2.stopGradient(), replaced);
            };
            return value.getDouble();
        }
    }

    @Test
    void gradientsMatchPyTorch() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "Skipped: /usr/bin/python3 is absent");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import torch").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        Assumptions.assumeTrue(probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "Skipped: /usr/bin/python3 has no torch module; install Debian's python3-torch to run this check");

        Map<String, Object> input = new LinkedHashMap<>();
        input.put("images", describe(images));
        input.put("w1", describe(w1));
        input.put("w2", describe(w2));
        input.put("gamma", describe(gamma));
        input.put("mean0", describe(means.get(0)));
        input.put("mean1", describe(means.get(1)));
        input.put("targets", describe(targets));
        input.put("epsilon", EPSILON);
        ObjectMapper json = new ObjectMapper();
        Path inputFile = dir.resolve("inputs.json");
        Path outputFile = dir.resolve("reference.json");
        json.writeValue(inputFile.toFile(), input);
        Path script = dir.resolve("regularizer_reference.py");
        try (var in = getClass().getResourceAsStream("/python/regularizer_reference.py")) {
            Files.copy(in, script);
        }

        Process process = new ProcessBuilder(python.toString(), script.toString(), inputFile.toString(),
                outputFile.toString()).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), "PyTorch reference timed out");
        assertEquals(0, process.exitValue(), "PyTorch reference failed: " + log);

        @SuppressWarnings("unchecked")
        Map<String, Object> reference = json.readValue(outputFile.toFile(), Map.class);
        Map<String, double[]> analytic = analyticGradients();
        double loss = loss(w1.stopGradient(), w2.stopGradient(), gamma.stopGradient()).getDouble();
        assertEquals((Double) reference.get("loss"), loss, 1e-4 * Math.abs(loss), "loss");
        for (String name : new String[] {"w1", "w2", "gamma"}) {
            @SuppressWarnings("unchecked")
            java.util.List<Double> expected = (java.util.List<Double>) reference.get(name);
            double[] actual = analytic.get(name);
            assertEquals(expected.size(), actual.length, name + " size");
            double scale = expected.stream().mapToDouble(Math::abs).max().orElse(1);
            for (int i = 0; i < actual.length; i++) {
                assertEquals(expected.get(i), actual[i], 1e-4 * scale,
                        name + "[" + i + "]: PyTorch " + expected.get(i) + ", DJL " + actual[i]);
            }
        }
    }

    private static Map<String, Object> describe(NDArray array) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", array.getShape().getShape());
        m.put("values", array.toType(DataType.FLOAT64, false).toDoubleArray());
        return m;
    }

}
