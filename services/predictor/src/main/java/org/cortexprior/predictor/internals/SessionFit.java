package org.cortexprior.predictor.internals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.cortexprior.avro.Behaviour;
import org.cortexprior.avro.PupilPosition;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.Tier;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;

/**
 * One fitted session: the model, each neuron's held-out correlation and signal-to-noise ratio, and
 * the resulting neuron weights; plus the computation of the centred, weighted responses that the
 * session contributes to a matrix. Shared by the streaming fit worker and batch computations.
 */
public final class SessionFit {

    private final String sessionId;
    private final ResponseModel model;
    private final FitData data;
    private final Map<String, Integer> imageIndex;
    private final double[] correlation;
    private final double[] snr;
    private final float[] weights;
    private final int size;

    private SessionFit(String sessionId, ResponseModel model, FitData data, Map<String, Integer> imageIndex,
                       double[] correlation, double[] snr, float[] weights, int size) {
        this.sessionId = sessionId;
        this.model = model;
        this.data = data;
        this.imageIndex = imageIndex;
        this.correlation = correlation;
        this.snr = snr;
        this.weights = weights;
        this.size = size;
    }

    /**
     * Collects the session's trials into {@link FitData}: VALIDATION-tier trials are held out; when
     * the recording has none, a seeded 20% of the images are held out with all their trials.
     */
    public static FitData collect(SessionAnnouncement announcement, List<TrialBatch> batches,
                                  Function<String, StimulusImage> stimuli, int size, long seed,
                                  Map<String, Integer> imageIndexOut) {
        int neurons = announcement.getNeurons().size();
        List<float[]> images = new ArrayList<>();
        List<Integer> trialImage = new ArrayList<>();
        List<float[]> responses = new ArrayList<>();
        List<Boolean> validationTier = new ArrayList<>();
        List<float[]> behaviour = new ArrayList<>();
        List<float[]> pupil = new ArrayList<>();
        boolean allBehaviour = true;
        boolean allPupil = true;
        boolean anyValidation = false;
        for (TrialBatch batch : batches) {
            for (Trial trial : batch.getTrials()) {
                Integer index = imageIndexOut.get(trial.getImageId());
                if (index == null) {
                    StimulusImage image = stimuli.apply(trial.getImageId());
                    if (image == null) {
                        throw new IllegalStateException("Stimulus image " + trial.getImageId() + " of session "
                                + announcement.getSessionId() + " has not arrived on the stimuli topic");
                    }
                    index = images.size();
                    images.add(StimulusPixels.grayscale(image, size));
                    imageIndexOut.put(trial.getImageId(), index);
                }
                trialImage.add(index);
                responses.add(LittleEndian.toFloats(trial.getResponses().duplicate().order(ByteOrder.LITTLE_ENDIAN)));
                Behaviour state = trial.getBehaviour();
                allBehaviour &= state != null;
                behaviour.add(state == null ? null
                        : new float[] {state.getRunningSpeed(), state.getPupilSize(), state.getPupilSizeChange()});
                PupilPosition position = trial.getPupilPosition();
                allPupil &= position != null;
                pupil.add(position == null ? null : new float[] {position.getX(), position.getY()});
                boolean held = trial.getTier() == Tier.VALIDATION;
                anyValidation |= held;
                validationTier.add(held);
            }
        }
        int[] trialImages = trialImage.stream().mapToInt(Integer::intValue).toArray();
        boolean[] validation = new boolean[trialImages.length];
        if (anyValidation) {
            for (int t = 0; t < validation.length; t++) {
                validation[t] = validationTier.get(t);
            }
        } else {
            validation = FitData.holdOutImages(trialImages, images.size(), 0.2, seed ^ announcement.getSessionId().hashCode());
        }
        // NOTE: behaviour and pupil position reach the model only when every trial has them; a session
        // where some trials lack them is fitted without modulator or shifter.
        boolean hasTrials = trialImages.length > 0;
        return new FitData(size, neurons, images.toArray(new float[0][]), trialImages,
                responses.toArray(new float[0][]), validation,
                allBehaviour && hasTrials ? behaviour.toArray(new float[0][]) : null,
                allPupil && hasTrials ? pupil.toArray(new float[0][]) : null);
    }

    /** Fits the model and derives each neuron's weight: SNR times held-out correlation, zero at or below {@code minCorrelation}. */
    public static SessionFit fit(SessionAnnouncement announcement, List<TrialBatch> batches,
                                 Function<String, StimulusImage> stimuli, ModelFitter fitter, int size, long seed,
                                 double minCorrelation) {
        Map<String, Integer> imageIndex = new LinkedHashMap<>();
        FitData data = collect(announcement, batches, stimuli, size, seed, imageIndex);
        ResponseModel model = fitter.fit(data);
        double[] correlation = heldOutCorrelation(model, data);
        double[] snr = signalToNoise(data);
        float[] weights = new float[data.neurons()];
        for (int n = 0; n < weights.length; n++) {
            double r = Double.isFinite(correlation[n]) ? correlation[n] : 0;
            weights[n] = r > minCorrelation && r > 0 ? (float) (snr[n] * r) : 0f;
        }
        return new SessionFit(announcement.getSessionId(), model, data, imageIndex, correlation, snr, weights, size);
    }

    /** Per-neuron Pearson r between predictions and the mean held-out response per held-out image. */
    public static double[] heldOutCorrelation(ResponseModel model, FitData data) {
        float[][] means = data.imageMeans(true);
        List<Integer> held = new ArrayList<>();
        for (int i = 0; i < means.length; i++) {
            if (means[i] != null) {
                held.add(i);
            }
        }
        double[] result = new double[data.neurons()];
        if (held.size() < 3) {
            java.util.Arrays.fill(result, Double.NaN);
            return result;
        }
        int pixels = data.size() * data.size();
        float[] batch = new float[held.size() * pixels];
        for (int i = 0; i < held.size(); i++) {
            System.arraycopy(data.images()[held.get(i)], 0, batch, i * pixels, pixels);
        }
        float[] predicted = model.predict(batch, held.size());
        for (int n = 0; n < data.neurons(); n++) {
            double[] p = new double[held.size()];
            double[] o = new double[held.size()];
            for (int i = 0; i < held.size(); i++) {
                p[i] = predicted[i * data.neurons() + n];
                o[i] = means[held.get(i)][n];
            }
            result[n] = Stats.pearson(p, o);
        }
        return result;
    }

    /**
     * Signal-to-noise ratio per neuron, signal std over noise std, estimated from images shown at
     * least twice; 1 for every neuron when no image repeats.
     */
    public static double[] signalToNoise(FitData data) {
        int neurons = data.neurons();
        int images = data.images().length;
        double[][] sum = new double[images][neurons];
        double[][] sumSq = new double[images][neurons];
        int[] count = new int[images];
        for (int t = 0; t < data.trialCount(); t++) {
            int image = data.trialImage()[t];
            count[image]++;
            for (int n = 0; n < neurons; n++) {
                double v = data.responses()[t][n];
                sum[image][n] += v;
                sumSq[image][n] += v * v;
            }
        }
        double[] snr = new double[neurons];
        for (int n = 0; n < neurons; n++) {
            double noise = 0;
            int noiseImages = 0;
            double meanOfMeans = 0;
            double meanOfMeansSq = 0;
            double noiseOfMean = 0;
            int repeated = 0;
            for (int i = 0; i < images; i++) {
                if (count[i] < 2) {
                    continue;
                }
                double mean = sum[i][n] / count[i];
                double variance = (sumSq[i][n] - count[i] * mean * mean) / (count[i] - 1);
                noise += variance;
                noiseImages++;
                noiseOfMean += variance / count[i];
                meanOfMeans += mean;
                meanOfMeansSq += mean * mean;
                repeated++;
            }
            if (repeated < 2 || noise <= 0) {
                snr[n] = 1;
                continue;
            }
            double noiseVariance = noise / noiseImages;
            double m = meanOfMeans / repeated;
            double varianceOfMeans = (meanOfMeansSq - repeated * m * m) / (repeated - 1);
            double signalVariance = Math.max(0, varianceOfMeans - noiseOfMean / repeated);
            snr[n] = Math.sqrt(signalVariance / noiseVariance);
        }
        return snr;
    }

    /** Returns the centred, weighted predictions for {@code imageIds} (images x neurons). */
    public float[] neuralResponses(List<String> imageIds, Function<String, StimulusImage> stimuli) {
        int pixels = size * size;
        float[] batch = new float[imageIds.size() * pixels];
        for (int i = 0; i < imageIds.size(); i++) {
            Integer known = imageIndex.get(imageIds.get(i));
            float[] gray;
            if (known != null) {
                gray = data.images()[known];
            } else {
                StimulusImage image = stimuli.apply(imageIds.get(i));
                if (image == null) {
                    throw new IllegalStateException("Stimulus image " + imageIds.get(i) + " has not arrived on the stimuli topic");
                }
                gray = StimulusPixels.grayscale(image, size);
            }
            System.arraycopy(gray, 0, batch, i * pixels, pixels);
        }
        float[] predicted = imageIds.isEmpty() ? new float[0] : model.predict(batch, imageIds.size());
        return GramMath.centreAndWeight(predicted, imageIds.size(), neuronCount(), null, weights);
    }

    /**
     * Returns the session's observed responses averaged over its trials per image of
     * {@code imageIds}, centred per neuron over the images it showed; other images are zero rows.
     */
    public static float[] rawResponses(SessionAnnouncement announcement, List<TrialBatch> batches, List<String> imageIds) {
        int neurons = announcement.getNeurons().size();
        Map<String, Integer> row = new HashMap<>();
        for (int i = 0; i < imageIds.size(); i++) {
            row.putIfAbsent(imageIds.get(i), i);
        }
        float[] sums = new float[imageIds.size() * neurons];
        int[] counts = new int[imageIds.size()];
        for (TrialBatch batch : batches) {
            for (Trial trial : batch.getTrials()) {
                Integer i = row.get(trial.getImageId());
                if (i == null) {
                    continue;
                }
                ByteBuffer values = trial.getResponses().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                for (int n = 0; n < neurons; n++) {
                    sums[i * neurons + n] += values.getFloat(values.position() + n * Float.BYTES);
                }
                counts[i]++;
            }
        }
        boolean[] present = new boolean[imageIds.size()];
        for (int i = 0; i < imageIds.size(); i++) {
            present[i] = counts[i] > 0;
            for (int n = 0; n < neurons && counts[i] > 0; n++) {
                sums[i * neurons + n] /= counts[i];
            }
        }
        return GramMath.centreAndWeight(sums, imageIds.size(), neurons, present, null);
    }

    public String sessionId() {
        return sessionId;
    }

    public int neuronCount() {
        return data.neurons();
    }

    /** Returns the number of neurons with a non-zero weight. */
    public int contributingNeurons() {
        int count = 0;
        for (float w : weights) {
            if (w != 0) {
                count++;
            }
        }
        return count;
    }

    public double[] correlation() {
        return correlation.clone();
    }

    public double[] signalToNoise() {
        return snr.clone();
    }

    public float[] weights() {
        return weights.clone();
    }

    /** Median held-out correlation over neurons. */
    public double medianCorrelation() {
        return Stats.median(correlation);
    }

    public ResponseModel model() {
        return model;
    }
}
