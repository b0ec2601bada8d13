package org.cortexprior.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.cortexprior.cli.InvalidInputException;
import org.cortexprior.trainer.internals.CheckpointStore;
import org.cortexprior.trainer.internals.ModelSpec;
import org.cortexprior.trainer.internals.TappedResNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

class TrainedModelsTest {

    @TempDir
    Path dir;

    @Test
    void loadedModelReproducesLogits() {
        Engine.getInstance().setRandomSeed(7);
        ModelSpec spec = ModelSpec.resnet18(0.125, 32, List.of("a", "b", "c"), 1.5);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TappedResNet model = new TappedResNet(spec);
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 32, 32));
            NDArray images = manager.randomUniform(0, 1, new Shape(4, 1, 32, 32));
            NDList out = model.forward(new ParameterStore(manager, false), new NDList(images), false);
            assertEquals(6, out.size(), "logits plus five taps");
            assertEquals(new Shape(4, 3), out.head().getShape());
            assertEquals(new Shape(4, 64, 4, 4), out.get(5).getShape());
            float[] expected = out.head().toFloatArray();

            CheckpointStore.write(dir.resolve("best"), new CheckpointStore.Manifest(CheckpointStore.FORMAT,
                    CheckpointStore.FORMAT_VERSION, spec, "model-5.params", null, 1, 0, 5, 0.5, 7, Map.of()),
                    model, null);

            try (ImageClassifier loaded = TrainedModels.load(dir, Device.cpu())) {
                assertEquals(List.of("a", "b", "c"), loaded.classNames());
                assertArrayEquals(new long[] {1, 32, 32}, loaded.inputShape());
                NDArray again = loaded.manager().create(images.toFloatArray(), images.getShape());
                assertArrayEquals(expected, loaded.logits(again).toFloatArray(), 1e-5f);
            }
        }
    }

    @Test
    void missingCheckpointNamesDirectory() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TrainedModels.load(dir.resolve("nothing"), Device.cpu()));
        assertTrue(e.getMessage().contains("nothing"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("nothing")));
    }
}
