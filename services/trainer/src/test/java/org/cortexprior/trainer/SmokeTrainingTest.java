package org.cortexprior.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.cortexprior.testkit.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The smoke profile on the real CIFAR-10 zip with the pixel-threshold target. */
class SmokeTrainingTest {

    @TempDir
    Path out;

    @Test
    void smokeRunLowersCrossEntropy() throws Exception {
        Path cifar = SharedData.require("cifar10/cifar10-jpeg.zip");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TrainerConfig config = TrainerConfig.builder()
                .images(cifar)
                .target(SimilarityTarget.PIXEL_THRESHOLD)
                .profile(Profile.SMOKE)
                .seed(3)
                .outputDir(out)
                .meterRegistry(registry)
                .device(Device.cpu())
                .build();

        TrainingSummary summary = TrainingRun.run(config);

        assertEquals(2 * (1024 / 64), summary.steps());
        assertTrue(summary.finalCrossEntropy() < summary.initialCrossEntropy(),
                "cross-entropy " + summary.initialCrossEntropy() + " -> " + summary.finalCrossEntropy());
        // NOTE: the similarity loss of a 10-step window is too noisy to fall reliably here. About
        // 0.3% of the pixel-threshold target's pairs are +1 or -1 and the rest are 0. Each +-1 pair
        // adds about 28 / 16 to its step's loss, so the window mean depends mostly on how many of
        // them were drawn (0.5 on average in 160 pairs). Only a finite, bounded loss is checked.
        assertTrue(Double.isFinite(summary.finalSimilarityLoss()), "similarity loss " + summary.finalSimilarityLoss());
        assertTrue(summary.finalSimilarityLoss() < 5,
                "similarity loss " + summary.initialSimilarityLoss() + " -> " + summary.finalSimilarityLoss());
        assertTrue(summary.validationAccuracy() > 0.1, "validation accuracy above chance: " + summary.validationAccuracy());
        assertEquals(5, summary.tapWeights().size());
        assertEquals(1.0, summary.tapWeights().stream().mapToDouble(Double::doubleValue).sum(), 1e-5);
        assertTrue(summary.imagesPerSecond() > 0);

        assertTrue(Files.exists(out.resolve("summary.json")));
        assertTrue(Files.exists(out.resolve("best/checkpoint.json")));
        assertTrue(Files.exists(out.resolve("checkpoint/checkpoint.json")));
        assertTrue(Files.exists(out.resolve("export/djl/cortexprior-resnet-0000.params")));
        assertSafetensorsHeader(out.resolve("export/model.safetensors"));

        assertTrue(registry.get("trainer.loss").tag("term", "similarity").gauge().value() > 0);
        assertEquals(summary.steps(), (long) registry.get("trainer.steps").counter().count());
        assertTrue(registry.get("trainer.throughput").gauge().value() > 0);
        assertTrue(registry.get("trainer.tap.weight").tag("tap", "4").gauge().value() > 0);
    }

    private static void assertSafetensorsHeader(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = new com.fasterxml.jackson.databind.ObjectMapper().readValue(header, Map.class);
        assertTrue(parsed.containsKey("conv1.weight"), header);
        assertTrue(parsed.containsKey("layer2.0.downsample.0.weight"), header);
        assertTrue(parsed.containsKey("layer4.1.bn2.running_var"), header);
        assertTrue(parsed.containsKey("fc.bias"), header);
        @SuppressWarnings("unchecked")
        Map<String, Object> conv1 = (Map<String, Object>) parsed.get("conv1.weight");
        assertEquals(java.util.List.of(8, 1, 7, 7), conv1.get("shape"));
    }
}
