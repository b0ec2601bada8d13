package org.cortexprior.evaluator;

import java.util.Objects;

import org.cortexprior.evaluator.internals.EvaluationRun;
import org.cortexprior.trainer.ImageClassifier;

/**
 * Measures how robust an {@link ImageClassifier} is: clean accuracy, accuracy under additive
 * Gaussian noise, the minimal adversarial perturbation under L-inf and L2, and optionally which
 * spatial-frequency band it follows on hybrid images.
 *
 * <p>The minimal perturbation of an image is the smallest of two attacks: a projected-gradient
 * attack with a bisection on epsilon, and DeepFool followed by a line search. Reported figures are
 * medians over {@link EvaluationSettings#attackImages()} correctly classified test images, picked
 * in a seeded random order. With the same settings, classifier and images the result is the same
 * number for number, as long as the classifier's own forward pass is deterministic (true for the
 * PyTorch engine on CPU).
 *
 * <pre>{@code
 * RobustnessResult result = new RobustnessEvaluator(EvaluationSettings.smoke()).evaluate(classifier, testImages);
 * System.out.println(result.cleanAccuracy() + " " + result.linf().median());
 * }</pre>
 *
 * <p>Thread-safe itself; each call uses the classifier from the calling thread only.
 */
public final class RobustnessEvaluator {

    private final EvaluationSettings settings;

    public RobustnessEvaluator(EvaluationSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public EvaluationSettings settings() {
        return settings;
    }

    /** Runs every measurement on {@code testImages}. */
    public RobustnessResult evaluate(ImageClassifier classifier, LabeledImages testImages) {
        return evaluate(classifier, testImages, EvaluationProgress.none());
    }

    /** Runs every measurement on {@code testImages}, reporting progress to {@code progress}. */
    public RobustnessResult evaluate(ImageClassifier classifier, LabeledImages testImages,
            EvaluationProgress progress) {
        return withGradModeOff(() -> new EvaluationRun(settings, classifier, testImages, progress).evaluate());
    }

    /**
     * Finds the minimal perturbation under {@code norm} of every image in {@code images}, whether or
     * not it is classified correctly (a misclassified image gets size 0).
     */
    public MinimalPerturbations minimalPerturbations(ImageClassifier classifier, LabeledImages images, Norm norm) {
        int[] all = new int[images.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return withGradModeOff(() -> new EvaluationRun(settings, classifier, images, EvaluationProgress.none())
                .attack(all, norm));
    }

    /**
     * Runs {@code work} with libtorch's per-thread grad mode off. It starts enabled on threads other
     * than the one that loaded the engine, where it would make plain forward passes record graphs and
     * in-place updates of attacked images fail; gradient collectors still enable it where needed.
     */
    private static <T> T withGradModeOff(java.util.function.Supplier<T> work) {
        boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            return work.get();
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
        }
    }
}
