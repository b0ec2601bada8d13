package org.cortexprior.trainer;

import java.nio.file.Files;
import java.nio.file.Path;

import org.cortexprior.cli.InvalidInputException;
import org.cortexprior.trainer.internals.CheckpointStore;
import org.cortexprior.trainer.internals.LoadedClassifier;
import org.cortexprior.trainer.internals.TappedResNet;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Loads trained models as {@link ImageClassifier}s.
 *
 * <p>A run's output directory ({@code --out}) is laid out as:
 * <pre>
 *   best/checkpoint.json, best/model-STEP.params          weights with the best validation accuracy
 *   checkpoint/checkpoint.json, checkpoint/model-STEP.params,
 *   checkpoint/optimizer-STEP.ndlist                      latest position, for resuming
 *   export/model.safetensors                              PyTorch-loadable weights, torchvision names
 *   export/djl/cortexprior-resnet-0000.params             DJL's own model format
 *   summary.json                                          the run's summary
 * </pre>
 * {@code checkpoint.json} names the architecture and the weights file; see {@code CheckpointStore}
 * for how it is written atomically.
 */
public final class TrainedModels {

    private TrainedModels() {
    }

    /** Returns the GPU when the engine sees one, else the CPU. */
    public static Device defaultDevice() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** Returns every GPU the engine detects, in index order, or the CPU alone when it detects none. */
    public static java.util.List<Device> defaultDevices() {
        int gpus = Engine.getInstance().getGpuCount();
        if (gpus == 0) {
            return java.util.List.of(Device.cpu());
        }
        java.util.List<Device> devices = new java.util.ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            devices.add(Device.gpu(i));
        }
        return java.util.List.copyOf(devices);
    }

    /**
     * Loads a trained model for evaluation on {@code device}.
     *
     * @param checkpointDir a run's output directory (its {@code best/} checkpoint is used, or
     *     {@code checkpoint/} when there is no best yet) or a checkpoint directory itself
     * @throws InvalidInputException when no readable checkpoint is found there
     */
    public static ImageClassifier load(Path checkpointDir, Device device) {
        Path dir = resolve(checkpointDir);
        CheckpointStore.Manifest manifest = CheckpointStore.readManifest(dir);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            TappedResNet model = new TappedResNet(manifest.spec());
            int size = manifest.spec().imageSize();
            model.initialize(manager, DataType.FLOAT32, new Shape(1, manifest.spec().inputChannels(), size, size));
            CheckpointStore.loadParameters(dir, manifest, model, manager);
            return new LoadedClassifier(model, manager, device);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Returns the checkpoint directory {@link #load} reads for {@code path}. */
    public static Path resolve(Path path) {
        if (CheckpointStore.exists(path)) {
            return path;
        }
        if (CheckpointStore.exists(path.resolve("best"))) {
            return path.resolve("best");
        }
        if (CheckpointStore.exists(path.resolve("checkpoint"))) {
            return path.resolve("checkpoint");
        }
        throw new InvalidInputException("No trained model in " + path + ": expected " + CheckpointStore.MANIFEST
                + " there or in its best/ or checkpoint/ subdirectory" + (Files.exists(path) ? "" : " (the path does not exist)"));
    }
}
