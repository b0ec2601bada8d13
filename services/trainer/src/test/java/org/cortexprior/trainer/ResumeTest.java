package org.cortexprior.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import javax.imageio.ImageIO;

import org.cortexprior.cli.InvalidInputException;
import org.cortexprior.trainer.internals.CheckpointStore;
import org.cortexprior.trainer.internals.ClassificationData;
import org.cortexprior.trainer.internals.ClassificationDataReader;
import org.cortexprior.trainer.internals.PairSource;
import org.cortexprior.trainer.internals.TrainerLoop;
import org.cortexprior.trainer.internals.TrainingStep;
import org.cortexprior.trainer.internals.TrainerMetrics;
import org.cortexprior.trainer.internals.TrainingEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Resuming from checkpoints. A run stopped mid-epoch and resumed ends with the same weights as one
 * that never stopped. A finished run is reported rather than trained again, and a checkpoint of
 * another target is rejected.
 */
class ResumeTest {

    @TempDir
    Path dir;

    @Test
    void resumedRunMatchesUninterruptedRun() throws Exception {
        Path images = writeImageFolder(dir.resolve("images"));
        float[] uninterrupted = train(images, dir.resolve("straight"), Long.MAX_VALUE);

        Path resumedOut = dir.resolve("resumed");
        assertNull(train(images, resumedOut, 7), "the first part stops like a crash");
        CheckpointStore.Manifest manifest = CheckpointStore.readManifest(resumedOut.resolve("checkpoint"));
        assertEquals(1, manifest.epoch(), "checkpoint in the second epoch");
        assertEquals(1, manifest.stepInEpoch(), "checkpoint in the middle of the epoch");
        float[] resumed = train(images, resumedOut, Long.MAX_VALUE);

        assertArrayEquals(uninterrupted, resumed, 1e-4f);
    }

    @Test
    void finishedRunNotRetrained() throws Exception {
        Path images = writeImageFolder(dir.resolve("images"));
        Path out = dir.resolve("finished");
        TrainingSummary first = TrainingRun.run(config(images, out, SimilarityTarget.PIXEL_THRESHOLD));

        TrainingSummary again = TrainingRun.run(config(images, out, SimilarityTarget.PIXEL_THRESHOLD));

        assertEquals(first.steps(), again.steps());
        assertEquals(first.finalCrossEntropy(), again.finalCrossEntropy());
        assertEquals(first.finalSimilarityLoss(), again.finalSimilarityLoss());
        assertEquals(first.testAccuracy(), again.testAccuracy());
    }

    @Test
    void checkpointOfAnotherTargetRejected() throws Exception {
        Path images = writeImageFolder(dir.resolve("images"));
        Path out = dir.resolve("pixel-threshold");
        assertNull(train(images, out, 4), "the first part stops like a crash");

        InvalidInputException error = assertThrows(InvalidInputException.class,
                () -> TrainingRun.run(config(images, out, SimilarityTarget.NONE)));

        assertTrue(error.getMessage().contains("trained with target pixel-threshold, not none"), error.getMessage());
    }

    private float[] train(Path images, Path out, long stopAfter) {
        TrainerConfig config = config(images, out, SimilarityTarget.PIXEL_THRESHOLD);
        TrainingParameters p = config.parameters();
        ClassificationData data = ClassificationDataReader.read(images, new ClassificationDataReader.Selection(
                p.imageSize(), p.trainImages(), p.testImages(), p.validationFraction(), config.seed()));
        try (PairSource pairs = TrainingRun.pairSource(config, data)) {
            TrainingSummary summary = new TrainerLoop(config, data, pairs, TrainingEvents.none(),
                    new TrainerMetrics(new SimpleMeterRegistry(), config.runId()), Device.cpu(),
                    TrainingStep.PairMode.REGULARISE).stopAfterSteps(stopAfter).run();
            if (summary == null) {
                return null;
            }
            assertEquals(10, summary.steps());
        }
        try (ImageClassifier model = TrainedModels.load(out.resolve("checkpoint"), Device.cpu())) {
            NDArray probe = model.manager().create(probeValues(), new Shape(4, 1, 16, 16));
            return model.logits(probe).toFloatArray();
        }
    }

    private static TrainerConfig config(Path images, Path out, SimilarityTarget target) {
        return TrainerConfig.builder()
                .images(images)
                .target(target)
                .profile(Profile.SMOKE)
                .overrides(Map.of("image-size", "16", "stimulus-resolution", "16", "batch-size", "16",
                        "pairs-per-step", "4", "epochs", "2", "width-multiplier", "0.0625", "checkpoint-every-steps", "3",
                        "validation-fraction", "0.05", "pixel-threshold", "0.3"))
                .seed(5)
                .outputDir(out)
                .device(Device.cpu())
                .build();
    }

    private static float[] probeValues() {
        Random random = new Random(1);
        float[] values = new float[4 * 16 * 16];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
        }
        return values;
    }

    /** Writes 2 classes x 43 PNG images of 16x16: bright-left versus bright-right gradients with noise. */
    private static Path writeImageFolder(Path root) throws Exception {
        Random random = new Random(3);
        for (String cls : new String[] {"left", "right"}) {
            Path folder = Files.createDirectories(root.resolve("train").resolve(cls));
            for (int i = 0; i < 43; i++) {
                BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        int ramp = cls.equals("left") ? 255 - x * 16 : x * 16;
                        int v = Math.max(0, Math.min(255, ramp + random.nextInt(61) - 30));
                        image.setRGB(x, y, (v << 16) | (v << 8) | v);
                    }
                }
                ImageIO.write(image, "png", folder.resolve(String.format("%03d.png", i)).toFile());
            }
        }
        return root;
    }
}
