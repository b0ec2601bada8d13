package org.cortexprior.trainer.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * The exported safetensors file, loaded into a PyTorch model built from its metadata alone, gives
 * the same logits as DJL. Skipped when {@code /usr/bin/python3} cannot import torch.
 */
class SafetensorsTorchTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final int SIZE = 32;
    private static final int IMAGES = 6;

    @TempDir
    Path dir;

    @Test
    void torchLogitsMatchDjl() throws Exception {
        assumeTorch();
        Engine.getInstance().setRandomSeed(5);
        ModelSpec spec = ModelSpec.resnet18(0.125, SIZE, List.of("a", "b", "c", "d"), 0);
        Random random = new Random(9);
        float[] probe = uniform(random, IMAGES * SIZE * SIZE);
        float[] expected;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TappedResNet model = new TappedResNet(spec);
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIZE, SIZE));
            trainBriefly(model, manager, random);

            ParameterStore store = new ParameterStore(manager, false);
            expected = model.forward(store, new NDList(manager.create(probe, new Shape(IMAGES, 1, SIZE, SIZE))), false)
                    .head().toFloatArray();
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("widths", java.util.Arrays.toString(spec.widths()));
            metadata.put("class_names", String.join(",", spec.classNames()));
            SafetensorsExport.write(dir.resolve("model.safetensors"), model, metadata);
        }

        Map<String, Object> reference = torchLogits(probe);

        assertEquals(List.of(), reference.get("missing"), "network weights absent from the export");
        assertEquals(List.of(), reference.get("unexpected"), "exported names PyTorch does not know");
        @SuppressWarnings("unchecked")
        List<Double> actual = (List<Double>) reference.get("logits");
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.get(i), 1e-4 * Math.max(1, Math.abs(expected[i])),
                    "logit " + i % spec.classNames().size() + " of image " + i / spec.classNames().size());
        }
    }

    /**
     * Runs three regularised training steps, so that every weight, batch-norm running statistic
     * and tap mean leaves its initial value.
     */
    private static void trainBriefly(TappedResNet model, NDManager manager, Random random) {
        List<Parameter> trainable = new ArrayList<>();
        for (Parameter parameter : model.getParameters().values()) {
            if (parameter.requiresGradient()) {
                parameter.getArray().setRequiresGradient(true);
                trainable.add(parameter);
            }
        }
        MomentumSgd sgd = new MomentumSgd(trainable, null, 0.9);
        TrainingStep step = new TrainingStep(model, new ParameterStore(manager, false), sgd, manager,
                TrainingStep.PairMode.REGULARISE, 10, 1e-2, 0.9);
        int batch = 16;
        int pairs = 4;
        for (int s = 0; s < 3; s++) {
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = random.nextInt(model.spec().classNames().size());
            }
            float[] targets = new float[pairs];
            for (int i = 0; i < pairs; i++) {
                targets[i] = random.nextFloat() - 0.5f;
            }
            PairBatch pairBatch = new PairBatch(uniform(random, 2 * pairs * SIZE * SIZE), targets, pairs, SIZE);
            step.run(uniform(random, batch * SIZE * SIZE), labels, SIZE, pairBatch, 0.05, s == 0);
        }
    }

    private Map<String, Object> torchLogits(float[] probe) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path images = dir.resolve("images.json");
        Path output = dir.resolve("logits.json");
        json.writeValue(images.toFile(), Map.of("shape", List.of(IMAGES, 1, SIZE, SIZE), "values", probe));
        Path script = dir.resolve("safetensors_logits.py");
        try (var in = getClass().getResourceAsStream("/python/safetensors_logits.py")) {
            Files.copy(in, script);
        }

        Process process = new ProcessBuilder(PYTHON.toString(), script.toString(),
                dir.resolve("model.safetensors").toString(), images.toString(), output.toString())
                .redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), "PyTorch loader timed out");
        assertEquals(0, process.exitValue(), "PyTorch loader failed: " + log);
        @SuppressWarnings("unchecked")
        Map<String, Object> result = json.readValue(output.toFile(), Map.class);
        return result;
    }

    private static float[] uniform(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = random.nextFloat();
        }
        return values;
    }

    private static void assumeTorch() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "Skipped: /usr/bin/python3 is absent");
        Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        Assumptions.assumeTrue(probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "Skipped: /usr/bin/python3 has no torch module; install Debian's python3-torch to run this check");
    }
}
