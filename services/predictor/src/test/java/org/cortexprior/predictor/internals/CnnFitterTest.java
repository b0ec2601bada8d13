package org.cortexprior.predictor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Fits the CNN on synthetic trials whose responses depend on the image, on running speed (a gain)
 * and on pupil position, so that the modulator and shifter paths run, and checks the held-out
 * predictions of the image-driven part.
 */
class CnnFitterTest {

    private static final int SIZE = 16;
    private static final int IMAGES = 150;
    private static final int TRIALS_PER_IMAGE = 4;
    private static final int NEURONS = 10;

    @Test
    void fitsWithModulatorAndShifter() {
        Random random = new Random(5);
        float[][] images = new float[IMAGES][];
        for (int i = 0; i < IMAGES; i++) {
            images[i] = smoothImage(random);
        }
        int[] centreX = new int[NEURONS];
        int[] centreY = new int[NEURONS];
        for (int n = 0; n < NEURONS; n++) {
            centreX[n] = 4 + random.nextInt(8);
            centreY[n] = 4 + random.nextInt(8);
        }
        int trials = IMAGES * TRIALS_PER_IMAGE;
        int[] trialImage = new int[trials];
        float[][] responses = new float[trials][NEURONS];
        float[][] behaviour = new float[trials][];
        float[][] pupil = new float[trials][];
        for (int t = 0; t < trials; t++) {
            int image = t / TRIALS_PER_IMAGE;
            trialImage[t] = image;
            float running = (float) Math.abs(random.nextGaussian() * 5);
            behaviour[t] = new float[] {running, (float) (3 + random.nextGaussian()), (float) random.nextGaussian()};
            pupil[t] = new float[] {(float) random.nextGaussian(), (float) random.nextGaussian()};
            double gain = Math.exp(0.05 * running);
            for (int n = 0; n < NEURONS; n++) {
                double drive = images[image][centreY[n] * SIZE + centreX[n]] - 0.5;
                responses[t][n] = poisson(gain * 4 * Math.max(0, 2 * drive + 0.4), random);
            }
        }
        boolean[] validation = FitData.holdOutImages(trialImage, IMAGES, 0.2, 3);
        FitData data = new FitData(SIZE, NEURONS, images, trialImage, responses, validation, behaviour, pupil);

        CnnFitter fitter = new CnnFitter(3, new CnnFitter.Settings(8, 5, 40, 32, 1e-2, 4, 1, 2e-3, 1e-3, 1e-2, 1));
        ResponseModel model = fitter.fit(data);

        assertEquals(NEURONS, model.neuronCount());
        double median = Stats.median(SessionFit.heldOutCorrelation(model, data));
        assertTrue(median > 0.5, "median held-out correlation " + median);
        float[] predicted = model.predict(images[0], 1);
        for (float value : predicted) {
            assertTrue(Float.isFinite(value), "prediction " + value);
        }
    }

    @Test
    void rejectsSessionWithoutTrainingTrials() {
        float[][] images = {new float[SIZE * SIZE]};
        FitData data = new FitData(SIZE, 1, images, new int[] {0}, new float[][] {{1f}}, new boolean[] {true});

        assertThrows(IllegalArgumentException.class, () -> new CnnFitter(1).fit(data));
    }

    private static float[] smoothImage(Random random) {
        float[] image = new float[SIZE * SIZE];
        for (int blob = 0; blob < 4; blob++) {
            double x0 = random.nextDouble() * SIZE;
            double y0 = random.nextDouble() * SIZE;
            double amplitude = 0.3 * random.nextGaussian();
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    double d2 = (x - x0) * (x - x0) + (y - y0) * (y - y0);
                    image[y * SIZE + x] += (float) (amplitude * Math.exp(-d2 / 8));
                }
            }
        }
        for (int p = 0; p < image.length; p++) {
            image[p] = Math.max(0f, Math.min(1f, 0.5f + image[p]));
        }
        return image;
    }

    private static int poisson(double rate, Random random) {
        double limit = Math.exp(-rate);
        double product = random.nextDouble();
        int count = 0;
        while (product > limit) {
            product *= random.nextDouble();
            count++;
        }
        return count;
    }
}
