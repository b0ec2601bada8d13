package org.cortexprior.predictor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads a tiny SavedModel, written by {@code src/test/tensorflow/TinySavedModelWriter.java} with
 * TensorFlow Java in a separate JVM, through DJL's TensorFlow engine (beside the PyTorch engine
 * in this JVM) and checks its predictions against the same formula computed here.
 */
class SavedModelFitterTest {

    private static final int SIZE = 8;
    private static final int NEURONS = 5;

    @TempDir
    static Path work;

    private static Path modelDir;
    private static SavedModelFitter fitter;

    @BeforeAll
    static void writeModel() throws IOException, InterruptedException {
        modelDir = work.resolve("tiny");
        Path log = work.resolve("writer.log");
        Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", "target/savedmodel-writer/*", "src/test/tensorflow/TinySavedModelWriter.java",
                modelDir.toString(), Integer.toString(SIZE), Integer.toString(NEURONS), "3")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(writer.waitFor(3, TimeUnit.MINUTES), "SavedModel writer finished within 3 minutes");
        assertEquals(0, writer.exitValue(), "SavedModel writer failed:\n" + Files.readString(log));
        fitter = new SavedModelFitter(modelDir);
    }

    @AfterAll
    static void closeModel() {
        if (fitter != null) {
            fitter.close();
        }
    }

    @Test
    void predictionsMatchExportedWeights() throws IOException {
        ResponseModel model = fitter.fit(data(NEURONS));
        assertEquals(NEURONS, model.neuronCount());

        int count = 7;
        float[] images = new float[count * SIZE * SIZE];
        Random random = new Random(9);
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextFloat();
        }
        float[] predicted = model.predict(images, count);
        float[] expected = expected(images, count);
        assertEquals(expected.length, predicted.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], predicted[i], 1e-4, "response " + i % NEURONS + " of image " + i / NEURONS);
        }
    }

    @Test
    void neuronCountMismatchIsRejected() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> fitter.fit(data(NEURONS + 1)));
        assertTrue(e.getMessage().contains("predicts " + NEURONS + " responses per image, but the session has "
                + (NEURONS + 1) + " neurons"), e.getMessage());
    }

    @Test
    void missingModelIsRejected() {
        try (SavedModelFitter missing = new SavedModelFitter(work.resolve("absent"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> missing.fit(data(NEURONS)));
            assertTrue(e.getMessage().contains("No TensorFlow SavedModel at"), e.getMessage());
        }
    }

    /** Computes ELU(x W + b) + 1 from the weights the writer saved beside the model. */
    private static float[] expected(float[] images, int count) throws IOException {
        int pixels = SIZE * SIZE;
        float[] weights = new float[pixels * NEURONS];
        float[] bias = new float[NEURONS];
        try (DataInputStream in = new DataInputStream(Files.newInputStream(modelDir.resolve("weights.bin")))) {
            for (int i = 0; i < weights.length; i++) {
                weights[i] = in.readFloat();
            }
            for (int n = 0; n < NEURONS; n++) {
                bias[n] = in.readFloat();
            }
        }
        float[] result = new float[count * NEURONS];
        for (int i = 0; i < count; i++) {
            for (int n = 0; n < NEURONS; n++) {
                double drive = bias[n];
                for (int p = 0; p < pixels; p++) {
                    drive += images[i * pixels + p] * weights[p * NEURONS + n];
                }
                double elu = drive > 0 ? drive : Math.expm1(drive);
                result[i * NEURONS + n] = (float) (elu + 1);
            }
        }
        return result;
    }

    private static FitData data(int neurons) {
        List<float[]> responses = new ArrayList<>();
        responses.add(new float[neurons]);
        return new FitData(SIZE, neurons, new float[][] {new float[SIZE * SIZE]}, new int[] {0},
                responses.toArray(new float[0][]), new boolean[] {false});
    }
}
