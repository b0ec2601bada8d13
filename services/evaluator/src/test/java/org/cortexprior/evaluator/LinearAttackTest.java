package org.cortexprior.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attacks on linear classifiers, where the minimal perturbation of every image is known in
 * closed form. Pixels lie in [0.3, 0.7] and the minimal perturbations are far below 0.3 per pixel,
 * so the [0, 1] box never binds and the closed form is exact.
 *
 * <p>With 10 classes the projected-gradient attack follows the margin to the currently strongest
 * other class, which is not always the class behind the nearest boundary, so only DeepFool and the
 * per-image minimum are checked image by image there; with 2 classes every attack must be exact.
 */
class LinearAttackTest {

    private static final int CLASSES = 10;
    private static final int IMAGES = 40;
    private static final double TOLERANCE = 0.05;

    private static LinearClassifier classifier;
    private static LabeledImages images;
    private static LinearClassifier binaryClassifier;
    private static LabeledImages binaryImages;

    @BeforeAll
    static void createClassifiersAndImages() {
        classifier = LinearClassifier.random(CLASSES, 1, 8, 8, 7);
        images = labelledRandomImages(classifier, 11);
        binaryClassifier = LinearClassifier.random(2, 1, 8, 8, 5);
        binaryImages = labelledRandomImages(binaryClassifier, 13);
    }

    /** Returns random images in [0.3, 0.7], each labelled with the class the classifier predicts. */
    private static LabeledImages labelledRandomImages(LinearClassifier classifier, long seed) {
        int classes = classifier.classCount();
        Random random = new Random(seed);
        int size = 64;
        float[] pixels = new float[IMAGES * size];
        int[] labels = new int[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            for (int j = 0; j < size; j++) {
                pixels[i * size + j] = 0.3f + 0.4f * random.nextFloat();
            }
            double[] logits = classifier.exactLogits(pixels, i * size);
            int label = 0;
            for (int k = 1; k < classes; k++) {
                label = logits[k] > logits[label] ? k : label;
            }
            labels[i] = label;
        }
        return new LabeledImages(pixels, labels, 1, 8, 8, classifier.classNames(), "random linear test images");
    }

    @AfterAll
    static void closeClassifiers() {
        classifier.close();
        binaryClassifier.close();
    }

    @Test
    void linfAttacksFindClosedForm() {
        checkAgainstClosedForm(classifier, images, Norm.LINF, false);
    }

    @Test
    void l2AttacksFindClosedForm() {
        checkAgainstClosedForm(classifier, images, Norm.L2, false);
    }

    @Test
    void linfAttacksExactOnTwoClasses() {
        checkAgainstClosedForm(binaryClassifier, binaryImages, Norm.LINF, true);
    }

    @Test
    void l2AttacksExactOnTwoClasses() {
        checkAgainstClosedForm(binaryClassifier, binaryImages, Norm.L2, true);
    }

    private void checkAgainstClosedForm(LinearClassifier classifier, LabeledImages images, Norm norm,
            boolean pgdPerImage) {
        EvaluationSettings settings = EvaluationSettings.builder().batchSize(16).build();
        MinimalPerturbations found = new RobustnessEvaluator(settings).minimalPerturbations(classifier, images, norm);

        double[] exact = new double[IMAGES];
        float[] image = new float[64];
        for (int i = 0; i < IMAGES; i++) {
            images.copyImage(i, image, 0);
            exact[i] = classifier.minimalPerturbation(image, 0, norm);
            assertTrue(exact[i] > 0, "image " + i + " must be classified correctly, closed form " + exact[i]);
            assertTrue(exact[i] < 0.3, "closed form " + exact[i] + " of image " + i
                    + " must stay inside the box for the test to be exact");
        }
        for (int i = 0; i < IMAGES; i++) {
            assertWithin(exact[i], found.deepFool()[i], "DeepFool " + norm.label() + " image " + i);
            if (pgdPerImage) {
                assertWithin(exact[i], found.pgd()[i], "PGD " + norm.label() + " image " + i);
            }
            assertTrue(found.pgd()[i] >= exact[i] * (1 - 1e-3),
                    "PGD cannot beat the closed form on image " + i + ": " + found.pgd()[i] + " < " + exact[i]);
            assertWithin(exact[i], found.minimal()[i], "minimum " + norm.label() + " image " + i);
            assertTrue(found.minimal()[i] >= exact[i] * (1 - 1e-3),
                    "no attack can beat the closed form on image " + i + ": " + found.minimal()[i] + " < " + exact[i]);
        }
        double exactMedian = median(exact);
        assertWithin(exactMedian, median(found.minimal()), "median " + norm.label());
        assertWithin(exactMedian, median(found.pgd()), "PGD median " + norm.label());
        assertWithin(exactMedian, median(found.deepFool()), "DeepFool median " + norm.label());
    }

    private static void assertWithin(double expected, double actual, String what) {
        assertTrue(Math.abs(actual - expected) <= TOLERANCE * expected,
                what + ": found " + actual + ", closed form " + expected + " (tolerance 5%)");
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    @Test
    void misclassifiedImageHasZeroPerturbation() {
        int[] wrongLabels = new int[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            wrongLabels[i] = (images.label(i) + 1) % CLASSES;
        }
        float[] pixels = new float[IMAGES * 64];
        for (int i = 0; i < IMAGES; i++) {
            images.copyImage(i, pixels, i * 64);
        }
        LabeledImages mislabelled = new LabeledImages(pixels, wrongLabels, 1, 8, 8, classifier.classNames(), "mislabelled");
        MinimalPerturbations found = new RobustnessEvaluator(EvaluationSettings.smoke())
                .minimalPerturbations(classifier, mislabelled.subset(new int[] {0, 1, 2}), Norm.L2);
        for (int i = 0; i < 3; i++) {
            assertEquals(0.0, found.minimal()[i], "image " + i + " is already misclassified");
        }
    }
}
