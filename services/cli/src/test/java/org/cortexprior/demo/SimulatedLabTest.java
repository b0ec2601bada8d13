package org.cortexprior.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedLabTest {

    @Test
    void sameSeedSameLab() {
        SimulatedLab a = SimulatedLab.generate(SimulatedLab.Config.demo(7));
        SimulatedLab b = SimulatedLab.generate(SimulatedLab.Config.demo(7));

        assertArrayEquals(a.images()[5], b.images()[5]);
        assertArrayEquals(a.sessions().get(1).trialResponses()[17], b.sessions().get(1).trialResponses()[17]);
    }

    @Test
    void sessionSizesFollowConfig() {
        SimulatedLab.Config config = SimulatedLab.Config.demo(1);
        SimulatedLab lab = SimulatedLab.generate(config);

        assertEquals(config.sessionCount(), lab.sessions().size());
        SimulatedLab.Session session = lab.sessions().get(0);
        assertEquals(config.imagesPerSession(), session.imageIndices().length);
        assertEquals(config.imagesPerSession() * config.repeats(), session.trialResponses().length);
        assertEquals(config.neuronsPerSession(), session.trialResponses()[0].length);
        assertEquals(config.imageSize() * config.imageSize(), lab.images()[0].length);
    }

    @Test
    void trialAveragesTrackTrueRates() {
        SimulatedLab lab = SimulatedLab.generate(SimulatedLab.Config.demo(3));
        SimulatedLab.Session session = lab.sessions().get(0);
        int neuron = 0;
        int[] shown = session.imageIndices();
        double[] sums = new double[lab.images().length];
        int[] counts = new int[lab.images().length];
        for (int t = 0; t < session.trialImages().length; t++) {
            sums[session.trialImages()[t]] += session.trialResponses()[t][neuron];
            counts[session.trialImages()[t]]++;
        }
        double[] averages = new double[shown.length];
        double[] rates = new double[shown.length];
        double[] singles = new double[shown.length];
        for (int i = 0; i < shown.length; i++) {
            averages[i] = sums[shown[i]] / counts[shown[i]];
            rates[i] = session.trueRates()[neuron][i];
        }
        for (int t = 0; t < session.trialImages().length; t++) {
            int local = java.util.Arrays.binarySearch(shown, session.trialImages()[t]);
            singles[local] = session.trialResponses()[t][neuron];
        }

        double averaged = pearson(averages, rates);
        double single = pearson(singles, rates);

        assertTrue(averaged > single, "averaging repeats reduces Poisson noise: " + averaged + " vs " + single);
        assertTrue(averaged > 0.5, "repeat averages follow the tuning: r = " + averaged);
    }

    @Test
    void shapeTaskUsesCifarBinaryLayout(@TempDir Path dir) throws IOException {
        SimulatedLab.writeShapeTask(dir, 50, 20, 5);

        assertEquals(10 * 3073, Files.size(dir.resolve("data_batch_1.bin")));
        assertEquals(20 * 3073, Files.size(dir.resolve("test_batch.bin")));
        assertEquals(SimulatedLab.SHAPE_CLASSES, Files.readAllLines(dir.resolve("batches.meta.txt")));
        byte[] bytes = Files.readAllBytes(dir.resolve("test_batch.bin"));
        assertTrue((bytes[0] & 0xFF) < 10, "first byte is a label");
    }

    private static double pearson(double[] x, double[] y) {
        double mx = java.util.Arrays.stream(x).average().orElse(0);
        double my = java.util.Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
