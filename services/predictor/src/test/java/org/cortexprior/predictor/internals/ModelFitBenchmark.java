package org.cortexprior.predictor.internals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.cortexprior.avro.Tier;
import org.cortexprior.recordings.RecordedSession;
import org.cortexprior.recordings.RecordedTrial;
import org.cortexprior.recordings.Recording;
import org.cortexprior.recordings.Stimulus;

/**
 * Times the CNN fit of every session of a V4 recording, as the streaming fit worker runs it
 * (repeat-averaged trials, VALIDATION tier held out, grayscale input of {@code size} pixels, 16 by
 * default), against the ridge model on the same trials at 32x32 pixels. Prints one line per session and the totals in the
 * benchmark format.
 *
 * <pre>{@code
 * java -cp ... org.cortexprior.predictor.internals.ModelFitBenchmark ../shared/data/v4-cowley2023 16
 * }</pre>
 */
public final class ModelFitBenchmark {

    /** Input edge of the ridge reference: the service's default for models other than the CNN. */
    private static final int RIDGE_SIZE = 32;

    private ModelFitBenchmark() {
    }

    public static void main(String[] args) {
        Path root = Path.of(args.length > 0 ? args[0] : "../shared/data/v4-cowley2023");
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        // The ridge reference costs several times the CNN's fit; "cnn" as third argument skips it.
        boolean cnnOnly = args.length > 2 && args[2].equals("cnn");
        Map<String, double[]> totals = new LinkedHashMap<>();
        int count = 0;
        try (Recording recording = Recording.open(root)) {
            for (RecordedSession session : recording.sessions()) {
                FitData cnnData = fitData(session, size);
                FitData ridgeData = fitData(session, RIDGE_SIZE);
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "# %s: %d neurons, %d images;",
                        session.id().session(), cnnData.neurons(), cnnData.images().length));
                List<ModelFitter> fitters = cnnOnly ? List.of(new CnnFitter(7)) : List.of(new CnnFitter(7), new RidgeFitter(7));
                for (ModelFitter fitter : fitters) {
                    FitData data = fitter instanceof CnnFitter ? cnnData : ridgeData;
                    long start = System.nanoTime();
                    long cpuStart = processCpuNanos();
                    ResponseModel model = fitter.fit(data);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
                    double median = Stats.median(SessionFit.heldOutCorrelation(model, data));
                    double[] total = totals.computeIfAbsent(fitter.name(), name -> new double[3]);
                    total[0] += seconds;
                    total[1] += median;
                    total[2] += cpuSeconds;
                    line.append(String.format(Locale.ROOT, " %s %.1f s (%.1f CPU s), median validation r %.3f;",
                            fitter.name(), seconds, cpuSeconds, median));
                }
                System.out.println(line);
                count++;
            }
        }
        double[] cnn = totals.get("cnn");
        double[] ridge = totals.get("ridge");
        if (ridge == null) {
            System.out.printf(Locale.ROOT, "# cnn over %d sessions at %dx%d: %.1f s, %.1f CPU s, mean median validation r %.3f%n",
                    count, size, size, cnn[0], cnn[2], cnn[1] / count);
            return;
        }
        System.out.printf(Locale.ROOT, "cnn fit time, all V4 sessions at %dx%d: %.1f s; reference ridge at 32x32: %.1f s; "
                + "ratio %.2f (target <= 4.00)%n", size, size, cnn[0], ridge[0], cnn[0] / ridge[0]);
        System.out.printf(Locale.ROOT, "cnn fit CPU time, all V4 sessions: %.1f CPU s; reference ridge: %.1f CPU s; "
                + "ratio %.2f (target <= 4.00)%n", cnn[2], ridge[2], cnn[2] / ridge[2]);
        System.out.printf(Locale.ROOT, "cnn mean of per-session median validation r: %.3f; reference ridge: %.3f; "
                + "ratio %.2f (target >= 1.00)%n", cnn[1] / count, ridge[1] / count, cnn[1] / ridge[1]);
    }

    private static long processCpuNanos() {
        var bean = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return bean instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0L;
    }

    /** Collects a session's repeat-averaged trials as the fit worker does, VALIDATION tier held out. */
    static FitData fitData(RecordedSession session, int size) {
        float[][] images = new float[session.imageCount()][];
        for (int i = 0; i < images.length; i++) {
            Stimulus stimulus = session.stimulus(i);
            float[] gray = new float[stimulus.width() * stimulus.height()];
            for (int p = 0; p < gray.length; p++) {
                float sum = 0;
                for (int c = 0; c < stimulus.channels(); c++) {
                    sum += stimulus.pixels()[p * stimulus.channels() + c] & 0xFF;
                }
                gray[p] = sum / stimulus.channels() / 255f;
            }
            images[i] = StimulusPixels.resize(gray, stimulus.width(), stimulus.height(), size);
        }
        List<RecordedTrial> trials = new ArrayList<>(session.trials().toList());
        int[] trialImage = new int[trials.size()];
        float[][] responses = new float[trials.size()][];
        boolean[] validation = new boolean[trials.size()];
        for (int t = 0; t < trials.size(); t++) {
            trialImage[t] = trials.get(t).imageIndex();
            responses[t] = trials.get(t).responses();
            validation[t] = trials.get(t).tier() == Tier.VALIDATION;
        }
        return new FitData(size, session.neuronCount(), images, trialImage, responses, validation);
    }
}
