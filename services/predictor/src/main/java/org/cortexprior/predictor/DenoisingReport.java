package org.cortexprior.predictor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.LongFunction;

import org.cortexprior.predictor.internals.FitData;
import org.cortexprior.predictor.internals.GramMath;
import org.cortexprior.predictor.internals.ModelFitter;
import org.cortexprior.predictor.internals.ResponseModel;
import org.cortexprior.predictor.internals.SessionFit;
import org.cortexprior.predictor.internals.Stats;
import org.cortexprior.predictor.internals.StimulusPixels;
import org.cortexprior.recordings.RecordedSession;
import org.cortexprior.recordings.SingleTrials;
import org.cortexprior.recordings.Stimulus;

/**
 * Measures how much a session's predictive model denoises the neural similarity matrix. Each
 * image's repeats are split at random into two halves; the second half's repeat averages give the
 * reference similarity matrix, and four matrices built from the first half are compared with it
 * (Pearson r over the upper triangle, diagonal excluded):
 * <ol>
 *   <li>{@code single_trial}: one first-half trial per image;
 *   <li>{@code half_average}: the first half's repeat averages;
 *   <li>{@code predicted_same_images}: the model fitted on the first half's single trials, predicting
 *       the same images (a random 20% of those trials is held out for early stopping);
 *   <li>{@code predicted_held_out_images}: models fitted with each fold of images held out,
 *       predicting that fold (cross-validated over images).
 * </ol>
 * Predictions are centred per neuron and weighted as the streaming service weights them: signal-to-
 * noise ratio from the first half's repeats times the held-out correlation on first-half validation
 * data, with neurons at or below zero correlation dropped. Every figure is the mean over the seeds
 * of the split. Only images with at least two valid repeats take part.
 *
 * <p>Cost: {@code seeds x (1 + folds)} model fits. Not thread-safe; the fitters run on the calling
 * thread.
 */
public final class DenoisingReport {

    /** Fraction of the training images (or trials) held out for early stopping and neuron weights. */
    private static final double VALIDATION_FRACTION = 0.2;

    /**
     * The report of one session.
     *
     * @param singleTrial r of the single-trial similarity with the reference
     * @param halfAverage r of the first half's repeat-averaged similarity with the reference
     * @param predictedSameImages r of the predicted similarity, model fitted on the same images
     * @param predictedHeldOutImages r of the predicted similarity, images held out of the fit
     * @param neuronCorrelationSameImages per neuron, r of its predictions with its second-half
     *     averages across images (same images), mean over seeds
     * @param neuronCorrelationHeldOutImages the same for held-out images
     * @param contributingNeurons neurons with a non-zero weight, mean over seeds and fits
     * @param fitSeconds wall time of all fits
     */
    public record Result(String sessionId, String model, int neurons, int images, int seeds, int folds, int inputSize,
                         double singleTrial, double halfAverage, double predictedSameImages,
                         double predictedHeldOutImages, double[] neuronCorrelationSameImages,
                         double[] neuronCorrelationHeldOutImages, double contributingNeurons, double fitSeconds) {

        public double medianNeuronCorrelationSameImages() {
            return Stats.median(neuronCorrelationSameImages);
        }

        public double medianNeuronCorrelationHeldOutImages() {
            return Stats.median(neuronCorrelationHeldOutImages);
        }
    }

    private final RecordedSession session;
    private final SingleTrials trials;
    private final LongFunction<ModelFitter> fitters;
    private final int inputSize;
    private final int folds;
    private final int[] images;
    private final float[][] pixels;

    /**
     * Prepares the report: decodes every usable image once at {@code inputSize}.
     *
     * @param fitters creates the fitter for a seed
     * @throws IllegalArgumentException when the session has no single trials, fewer than
     *     {@code 2 * folds} images with two or more repeats, or fewer than 2 folds
     */
    public DenoisingReport(RecordedSession session, LongFunction<ModelFitter> fitters, int inputSize, int folds) {
        this.session = session;
        this.trials = session.singleTrials().orElseThrow(() -> new IllegalArgumentException("Session "
                + session.sessionId() + " has no single-trial responses (" + session.source()
                + "); the denoising report needs repeated presentations of each image"));
        if (folds < 2) {
            throw new IllegalArgumentException("Invalid number of folds " + folds + ": expected at least 2");
        }
        if (inputSize < 4) {
            throw new IllegalArgumentException("Invalid input size " + inputSize + ": expected at least 4 pixels");
        }
        this.fitters = fitters;
        this.inputSize = inputSize;
        this.folds = folds;
        List<Integer> usable = new ArrayList<>();
        for (int i = 0; i < trials.imageCount(); i++) {
            if (trials.repeatCount(i) >= 2) {
                usable.add(i);
            }
        }
        if (usable.size() < 2 * folds) {
            throw new IllegalArgumentException("Session " + session.sessionId() + " has " + usable.size()
                    + " images with two or more repeats; the report needs at least " + 2 * folds);
        }
        this.images = usable.stream().mapToInt(Integer::intValue).toArray();
        this.pixels = new float[images.length][];
        for (int i = 0; i < images.length; i++) {
            pixels[i] = grayscale(session.stimulus(images[i]), inputSize);
        }
    }

    /** Returns the number of model fits {@link #run(int, long, Runnable)} performs for {@code seeds} seeds. */
    public int fitCount(int seeds) {
        return seeds * (1 + folds);
    }

    /**
     * Runs the report for seeds {@code firstSeed} to {@code firstSeed + seeds - 1}.
     *
     * @param afterFit called after each model fit, for progress
     */
    public Result run(int seeds, long firstSeed, Runnable afterFit) {
        if (seeds < 1) {
            throw new IllegalArgumentException("Invalid number of seeds " + seeds + ": expected at least 1");
        }
        int neurons = trials.neuronCount();
        double[] figures = new double[4];
        double[] sameNeuron = new double[neurons];
        double[] heldOutNeuron = new double[neurons];
        double contributing = 0;
        long start = System.nanoTime();
        String model = null;
        for (int s = 0; s < seeds; s++) {
            long seed = firstSeed + s;
            ModelFitter fitter = fitters.apply(seed);
            model = fitter.name();
            SeedResult result = runSeed(fitter, seed, afterFit);
            for (int f = 0; f < figures.length; f++) {
                figures[f] += result.figures[f] / seeds;
            }
            for (int n = 0; n < neurons; n++) {
                sameNeuron[n] += result.sameNeuron[n] / seeds;
                heldOutNeuron[n] += result.heldOutNeuron[n] / seeds;
            }
            contributing += result.contributing / seeds;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(session.sessionId(), model, neurons, images.length, seeds, folds, inputSize, figures[0],
                figures[1], figures[2], figures[3], sameNeuron, heldOutNeuron, contributing, seconds);
    }

    private record SeedResult(double[] figures, double[] sameNeuron, double[] heldOutNeuron, double contributing) {
    }

    private SeedResult runSeed(ModelFitter fitter, long seed, Runnable afterFit) {
        Random random = new Random(seed);
        int neurons = trials.neuronCount();
        int count = images.length;

        // Split each image's repeats at random; the first half has floor(repeats / 2) of them.
        List<Integer> trialImage = new ArrayList<>();
        List<float[]> firstHalf = new ArrayList<>();
        float[] singleTrial = new float[count * neurons];
        float[] firstMean = new float[count * neurons];
        float[] secondMean = new float[count * neurons];
        for (int i = 0; i < count; i++) {
            int repeats = trials.repeatCount(images[i]);
            int[] order = permutation(repeats, random);
            int half = repeats / 2;
            for (int r = 0; r < repeats; r++) {
                float[] response = trials.presentation(images[i], order[r]);
                float[] target = r < half ? firstMean : secondMean;
                int size = r < half ? half : repeats - half;
                for (int n = 0; n < neurons; n++) {
                    target[i * neurons + n] += response[n] / size;
                }
                if (r < half) {
                    trialImage.add(i);
                    firstHalf.add(response);
                }
                if (r == 0) {
                    System.arraycopy(response, 0, singleTrial, i * neurons, neurons);
                }
            }
        }
        double[] reference = similarity(secondMean, count, neurons, null);
        double[] figures = new double[4];
        figures[0] = upperTriangleCorrelation(similarity(singleTrial, count, neurons, null), reference, count);
        figures[1] = upperTriangleCorrelation(similarity(firstMean, count, neurons, null), reference, count);

        int[] trialImages = trialImage.stream().mapToInt(Integer::intValue).toArray();
        float[][] responses = firstHalf.toArray(new float[0][]);

        // (c): all images in the fit; early stopping on a random fifth of the trials, keeping at
        // least one training trial per image.
        boolean[] heldTrials = holdOutTrials(trialImages, count, random);
        FitData same = new FitData(inputSize, neurons, pixels, trialImages, responses, heldTrials);
        ResponseModel sameModel = fitter.fit(same);
        afterFit.run();
        float[] sameWeights = weights(SessionFit.signalToNoise(same), SessionFit.heldOutCorrelation(sameModel, same));
        float[] samePredicted = predict(sameModel, allImages());
        figures[2] = upperTriangleCorrelation(similarity(samePredicted, count, neurons, sameWeights), reference, count);

        // (d): folds of images held out of the fit; within the fit a fifth of the training images
        // are held out for early stopping.
        int[] order = permutation(count, random);
        float[] heldOutPredicted = new float[count * neurons];
        double[] foldCorrelation = new double[neurons];
        for (int fold = 0; fold < folds; fold++) {
            boolean[] inFold = new boolean[count];
            List<Integer> foldImages = new ArrayList<>();
            for (int k = fold; k < count; k += folds) {
                inFold[order[k]] = true;
                foldImages.add(order[k]);
            }
            FitData foldData = foldFit(trialImages, responses, inFold, random, neurons);
            ResponseModel foldModel = fitter.fit(foldData);
            afterFit.run();
            double[] r = SessionFit.heldOutCorrelation(foldModel, foldData);
            for (int n = 0; n < neurons; n++) {
                foldCorrelation[n] += (Double.isFinite(r[n]) ? r[n] : 0) / folds;
            }
            int[] which = foldImages.stream().mapToInt(Integer::intValue).toArray();
            float[] predicted = predict(foldModel, which);
            for (int k = 0; k < which.length; k++) {
                System.arraycopy(predicted, k * neurons, heldOutPredicted, which[k] * neurons, neurons);
            }
        }
        float[] heldOutWeights = weights(SessionFit.signalToNoise(same), foldCorrelation);
        figures[3] = upperTriangleCorrelation(similarity(heldOutPredicted, count, neurons, heldOutWeights), reference,
                count);

        double contributing = (nonZero(sameWeights) + nonZero(heldOutWeights)) / 2.0;
        return new SeedResult(figures, neuronCorrelations(samePredicted, secondMean, count, neurons),
                neuronCorrelations(heldOutPredicted, secondMean, count, neurons), contributing);
    }

    /** Builds the fit data of one fold: the other images' first-half trials, a fifth of those images for validation. */
    private FitData foldFit(int[] trialImages, float[][] responses, boolean[] inFold, Random random, int neurons) {
        List<Integer> training = new ArrayList<>();
        for (int i = 0; i < inFold.length; i++) {
            if (!inFold[i]) {
                training.add(i);
            }
        }
        java.util.Collections.shuffle(training, random);
        boolean[] validationImage = new boolean[inFold.length];
        int held = (int) Math.round(VALIDATION_FRACTION * training.size());
        for (int k = 0; k < held; k++) {
            validationImage[training.get(k)] = true;
        }
        List<Integer> kept = new ArrayList<>();
        for (int t = 0; t < trialImages.length; t++) {
            if (!inFold[trialImages[t]]) {
                kept.add(t);
            }
        }
        int[] foldImages = new int[kept.size()];
        float[][] foldResponses = new float[kept.size()][];
        boolean[] validation = new boolean[kept.size()];
        for (int k = 0; k < kept.size(); k++) {
            int t = kept.get(k);
            foldImages[k] = trialImages[t];
            foldResponses[k] = responses[t];
            validation[k] = validationImage[trialImages[t]];
        }
        return new FitData(inputSize, neurons, pixels, foldImages, foldResponses, validation);
    }

    private static boolean[] holdOutTrials(int[] trialImages, int imageCount, Random random) {
        boolean[] held = new boolean[trialImages.length];
        int[] training = new int[imageCount];
        for (int image : trialImages) {
            training[image]++;
        }
        for (int t = 0; t < trialImages.length; t++) {
            if (training[trialImages[t]] > 1 && random.nextDouble() < VALIDATION_FRACTION) {
                held[t] = true;
                training[trialImages[t]]--;
            }
        }
        return held;
    }

    /** Returns the service's neuron weights: SNR times correlation, zero at or below zero correlation. */
    private static float[] weights(double[] snr, double[] correlation) {
        float[] weights = new float[snr.length];
        for (int n = 0; n < weights.length; n++) {
            double r = Double.isFinite(correlation[n]) ? correlation[n] : 0;
            weights[n] = r > 0 ? (float) (snr[n] * r) : 0f;
        }
        return weights;
    }

    private static int nonZero(float[] weights) {
        int count = 0;
        for (float w : weights) {
            if (w != 0) {
                count++;
            }
        }
        return count;
    }

    private int[] allImages() {
        int[] all = new int[images.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    private float[] predict(ResponseModel model, int[] which) {
        int area = inputSize * inputSize;
        float[] batch = new float[which.length * area];
        for (int k = 0; k < which.length; k++) {
            System.arraycopy(pixels[which[k]], 0, batch, k * area, area);
        }
        return model.predict(batch, which.length);
    }

    private static int[] permutation(int length, Random random) {
        int[] order = new int[length];
        for (int i = 0; i < length; i++) {
            order[i] = i;
        }
        for (int i = length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    /** Returns the centred cosine similarity (images x images) of responses centred and weighted per neuron. */
    static double[] similarity(float[] responses, int images, int neurons, float[] weights) {
        float[] centred = GramMath.centreAndWeight(responses, images, neurons, null, weights);
        return GramMath.batchSimilarity(List.of(centred), List.of(neurons), images);
    }

    /** Pearson r over the pairs i < j where both matrices are finite. */
    static double upperTriangleCorrelation(double[] a, double[] b, int images) {
        int pairs = images * (images - 1) / 2;
        double[] x = new double[pairs];
        double[] y = new double[pairs];
        int k = 0;
        for (int i = 0; i < images; i++) {
            for (int j = i + 1; j < images; j++) {
                double u = a[i * images + j];
                double v = b[i * images + j];
                if (Double.isFinite(u) && Double.isFinite(v)) {
                    x[k] = u;
                    y[k] = v;
                    k++;
                }
            }
        }
        return Stats.pearson(Arrays.copyOf(x, k), Arrays.copyOf(y, k));
    }

    private static double[] neuronCorrelations(float[] predicted, float[] observed, int images, int neurons) {
        double[] result = new double[neurons];
        double[] p = new double[images];
        double[] o = new double[images];
        for (int n = 0; n < neurons; n++) {
            for (int i = 0; i < images; i++) {
                p[i] = predicted[i * neurons + n];
                o[i] = observed[i * neurons + n];
            }
            result[n] = Stats.pearson(p, o);
        }
        return result;
    }

    /** Converts a stimulus to size x size grayscale in [0, 1], as the streaming service does. */
    static float[] grayscale(Stimulus stimulus, int size) {
        int area = stimulus.width() * stimulus.height();
        int channels = stimulus.channels();
        byte[] bytes = stimulus.pixels();
        float[] gray = new float[area];
        for (int p = 0; p < area; p++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += bytes[p * channels + c] & 0xFF;
            }
            gray[p] = sum / channels / 255f;
        }
        return StimulusPixels.resize(gray, stimulus.width(), stimulus.height(), size);
    }
}
