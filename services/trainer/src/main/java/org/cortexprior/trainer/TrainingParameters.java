package org.cortexprior.trainer;

import java.util.Locale;
import java.util.Map;

/**
 * Hyperparameters of one training run. {@link Profile} supplies complete sets; single values can be
 * overridden by name with {@link #withOverrides(Map)} (the {@code train} command passes
 * {@code --set trainer.NAME=VALUE} here).
 *
 * @param widthMultiplier stage widths are {@code 64, 128, 256, 512} times this
 * @param epochs passes over the training subset
 * @param trainImages training images drawn after the holdout; 0 for all
 * @param testImages test images evaluated at the end; 0 for all
 * @param imageSize edge in pixels of classification images (CIFAR: 32)
 * @param stimulusResolution edge in pixels at which stimulus images enter the network
 * @param batchSize classification images per step
 * @param pairsPerStep stimulus pairs per step (each pair puts 2 images through the network)
 * @param alpha weight of the similarity loss
 * @param epsilon clipping margin that keeps atanh finite: similarities are clipped to
 *     {@code [-1 + epsilon, 1 - epsilon]}
 * @param learningRate SGD learning rate at the start of each cycle
 * @param momentum SGD momentum
 * @param cycleEpochs epochs after which the learning-rate cycle restarts
 * @param phases phases per cycle; the rate is multiplied by {@code phaseDecay} at each new phase
 * @param phaseDecay learning-rate factor per phase
 * @param validationFraction fraction of the training split held out to pick the best checkpoint
 * @param stimulusImages stimulus images taken from the training split when no stimulus source is
 *     given
 * @param pixelThreshold threshold of the {@code pixel-threshold} target
 * @param meanMomentum weight of the previous value in each tap's running mean
 * @param checkpointEverySteps steps between mid-epoch checkpoints (one is always written at each
 *     epoch end); 0 for epoch ends only
 */
public record TrainingParameters(double widthMultiplier, int epochs, int trainImages, int testImages,
                                 int imageSize, int stimulusResolution, int batchSize, int pairsPerStep,
                                 double alpha, double epsilon, double learningRate, double momentum,
                                 int cycleEpochs, int phases, double phaseDecay, double validationFraction,
                                 int stimulusImages, double pixelThreshold, double meanMomentum,
                                 int checkpointEverySteps) {

    public TrainingParameters {
        positive("width-multiplier", widthMultiplier);
        positive("epochs", epochs);
        positive("batch-size", batchSize);
        positive("pairs-per-step", pairsPerStep);
        positive("image-size", imageSize);
        positive("stimulus-resolution", stimulusResolution);
        positive("cycle-epochs", cycleEpochs);
        positive("phases", phases);
        if (alpha < 0) {
            throw new IllegalArgumentException("alpha must be >= 0, got " + alpha);
        }
        if (!(epsilon > 0 && epsilon < 0.5)) {
            throw new IllegalArgumentException("epsilon must be in (0, 0.5), got " + epsilon);
        }
        if (!(validationFraction >= 0 && validationFraction < 0.5)) {
            throw new IllegalArgumentException("validation-fraction must be in [0, 0.5), got " + validationFraction);
        }
        if (!(meanMomentum >= 0 && meanMomentum < 1)) {
            throw new IllegalArgumentException("mean-momentum must be in [0, 1), got " + meanMomentum);
        }
    }

    private static void positive(String name, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /**
     * Returns a copy with the named values replaced. Names are the component names in kebab case
     * ({@code epochs}, {@code train-images}, {@code width-multiplier}, ...).
     *
     * @throws IllegalArgumentException for an unknown name or a malformed value
     */
    public TrainingParameters withOverrides(Map<String, String> overrides) {
        double wm = widthMultiplier;
        int ep = epochs;
        int tr = trainImages;
        int te = testImages;
        int is = imageSize;
        int sr = stimulusResolution;
        int bs = batchSize;
        int pp = pairsPerStep;
        double al = alpha;
        double eps = epsilon;
        double lr = learningRate;
        double mo = momentum;
        int ce = cycleEpochs;
        int ph = phases;
        double pd = phaseDecay;
        double vf = validationFraction;
        int si = stimulusImages;
        double pt = pixelThreshold;
        double mm = meanMomentum;
        int cs = checkpointEverySteps;
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String key = e.getKey().trim().toLowerCase(Locale.ROOT).replace('_', '-').replace('.', '-');
            String v = e.getValue().trim();
            try {
                switch (key) {
                    case "width-multiplier" -> wm = Double.parseDouble(v);
                    case "epochs" -> ep = Integer.parseInt(v);
                    case "train-images" -> tr = Integer.parseInt(v);
                    case "test-images" -> te = Integer.parseInt(v);
                    case "image-size" -> is = Integer.parseInt(v);
                    case "stimulus-resolution" -> sr = Integer.parseInt(v);
                    case "batch-size" -> bs = Integer.parseInt(v);
                    case "pairs-per-step" -> pp = Integer.parseInt(v);
                    case "alpha" -> al = Double.parseDouble(v);
                    case "epsilon" -> eps = Double.parseDouble(v);
                    case "learning-rate" -> lr = Double.parseDouble(v);
                    case "momentum" -> mo = Double.parseDouble(v);
                    case "cycle-epochs" -> ce = Integer.parseInt(v);
                    case "phases" -> ph = Integer.parseInt(v);
                    case "phase-decay" -> pd = Double.parseDouble(v);
                    case "validation-fraction" -> vf = Double.parseDouble(v);
                    case "stimulus-images" -> si = Integer.parseInt(v);
                    case "pixel-threshold" -> pt = Double.parseDouble(v);
                    case "mean-momentum" -> mm = Double.parseDouble(v);
                    case "checkpoint-every-steps" -> cs = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("Unknown training parameter '" + e.getKey()
                            + "'; known: width-multiplier, epochs, train-images, test-images, image-size,"
                            + " stimulus-resolution, batch-size, pairs-per-step, alpha, epsilon, learning-rate,"
                            + " momentum, cycle-epochs, phases, phase-decay, validation-fraction, stimulus-images,"
                            + " pixel-threshold, mean-momentum, checkpoint-every-steps");
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("Training parameter '" + e.getKey() + "' has invalid value '" + v
                        + "': expected a number", ex);
            }
        }
        return new TrainingParameters(wm, ep, tr, te, is, sr, bs, pp, al, eps, lr, mo, ce, ph, pd, vf, si, pt, mm, cs);
    }
}
