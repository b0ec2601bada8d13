package org.cortexprior.predictor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

import org.cortexprior.cli.CliCommand;
import org.cortexprior.cli.ExitCodes;
import org.cortexprior.cli.InvalidInputException;
import org.cortexprior.cli.ProgressBar;
import org.cortexprior.predictor.internals.CnnFitter;
import org.cortexprior.predictor.internals.ModelFitter;
import org.cortexprior.predictor.internals.RidgeFitter;
import org.cortexprior.recordings.RecordedSession;
import org.cortexprior.recordings.Recording;
import org.cortexprior.recordings.RecordingFormatException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cortexprior denoise-report --recording PATH --session ID [--model cnn|ridge] [--json]}:
 * measures how much the predictive model denoises the similarity matrix of a session with repeated
 * presentations (see {@link DenoisingReport}). With {@code --json} it prints one object whose
 * top-level fields {@code single_trial}, {@code half_average}, {@code predicted_same_images} and
 * {@code predicted_held_out_images} are Pearson r values.
 *
 * <p>On V4 session 210325 (50 neurons, 640 images) with the defaults (3 seeds, 5 folds, 18 fits) the
 * CNN used 70 CPU seconds; on 2 cores shared with other builds that took 2.5 minutes of wall time.
 */
@Command(name = "denoise-report", mixinStandardHelpOptions = true,
        description = "Compare similarity from single trials, half averages and model predictions against the "
                + "other half's repeat averages, for a session with repeated presentations.")
public final class DenoiseReportCommand implements CliCommand {

    @Option(names = "--recording", required = true, paramLabel = "PATH",
            description = "Recording folder, zip or .npz with single trials.")
    Path recordingPath;

    @Option(names = "--session", required = true, paramLabel = "ID",
            description = "Session: canonical id or session part such as 210325.")
    String sessionId;

    @Option(names = "--model", defaultValue = "cnn", paramLabel = "NAME",
            description = "Predictive model: cnn or ridge. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--seeds", defaultValue = "3", paramLabel = "N",
            description = "Random splits of the repeats to average over. Default: ${DEFAULT-VALUE}.")
    int seeds;

    @Option(names = "--folds", defaultValue = "5", paramLabel = "K",
            description = "Folds of images for the held-out predictions. Default: ${DEFAULT-VALUE}.")
    int folds;

    @Option(names = "--input-size", paramLabel = "PIXELS",
            description = "Edge length in pixels of the grayscale model input. Default: 16 for cnn, 32 for ridge.")
    Integer inputSize;

    @Option(names = "--seed", defaultValue = "7", paramLabel = "SEED",
            description = "First seed; seed s + k splits the repeats and initialises the model of split k. "
                    + "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        String name = model.trim().toLowerCase(Locale.ROOT);
        LongFunction<ModelFitter> fitters = switch (name) {
            case "cnn" -> CnnFitter::new;
            case "ridge" -> RidgeFitter::new;
            default -> throw new InvalidInputException("Invalid --model '" + model + "': expected cnn or ridge");
        };
        int size = inputSize != null ? inputSize : name.equals("cnn") ? 16 : 32;
        if (seeds < 1) {
            throw new InvalidInputException("Invalid --seeds " + seeds + ": expected at least 1");
        }
        DenoisingReport.Result result;
        try (Recording recording = Recording.open(recordingPath)) {
            RecordedSession session = session(recording);
            DenoisingReport report;
            try {
                report = new DenoisingReport(session, fitters, size, folds);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage(), e);
            }
            try (ProgressBar bar = ProgressBar.start("denoise-report " + session.id().session() + " (" + model + ")",
                    report.fitCount(seeds), "fits")) {
                result = report.run(seeds, seed, () -> bar.stepBy(1));
            }
        } catch (RecordingFormatException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
        if (json) {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(document(result)));
        } else {
            print(result);
        }
        return ExitCodes.OK;
    }

    private RecordedSession session(Recording recording) {
        try {
            return recording.session(sessionId);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
    }

    /** Returns the JSON document: the four figures at top level, then the details. */
    static Map<String, Object> document(DenoisingReport.Result result) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("single_trial", result.singleTrial());
        document.put("half_average", result.halfAverage());
        document.put("predicted_same_images", result.predictedSameImages());
        document.put("predicted_held_out_images", result.predictedHeldOutImages());
        document.put("neuron_correlation_same_images_median", finiteOrNull(result.medianNeuronCorrelationSameImages()));
        document.put("neuron_correlation_held_out_images_median",
                finiteOrNull(result.medianNeuronCorrelationHeldOutImages()));
        document.put("neuron_correlation_same_images", finiteOrNull(result.neuronCorrelationSameImages()));
        document.put("neuron_correlation_held_out_images", finiteOrNull(result.neuronCorrelationHeldOutImages()));
        document.put("session", result.sessionId());
        document.put("model", result.model());
        document.put("neurons", result.neurons());
        document.put("images", result.images());
        document.put("contributing_neurons", result.contributingNeurons());
        document.put("seeds", result.seeds());
        document.put("folds", result.folds());
        document.put("input_size", result.inputSize());
        document.put("fit_seconds", result.fitSeconds());
        return document;
    }

    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static Double[] finiteOrNull(double[] values) {
        Double[] result = new Double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = finiteOrNull(values[i]);
        }
        return result;
    }

    private static void print(DenoisingReport.Result r) {
        System.out.printf(Locale.ROOT, "Session %s: %d neurons, %d images with repeats; model %s at %dx%d pixels, "
                + "mean of %d seeds, %d folds, fits took %.0f s%n", r.sessionId(), r.neurons(), r.images(), r.model(),
                r.inputSize(), r.inputSize(), r.seeds(), r.folds(), r.fitSeconds());
        System.out.println("Pearson r with the second half's repeat-averaged similarity (upper triangle):");
        System.out.printf(Locale.ROOT, "  (a) single trials                      %.3f%n", r.singleTrial());
        System.out.printf(Locale.ROOT, "  (b) first half's repeat averages       %.3f%n", r.halfAverage());
        System.out.printf(Locale.ROOT, "  (c) predictions, same images           %.3f%n", r.predictedSameImages());
        System.out.printf(Locale.ROOT, "  (d) predictions, held-out images       %.3f%n", r.predictedHeldOutImages());
        System.out.println("Per-neuron r of predictions with the second half's averages (median over neurons):");
        System.out.printf(Locale.ROOT, "  same images %.3f, held-out images %.3f; %.1f of %d neurons contribute%n",
                r.medianNeuronCorrelationSameImages(), r.medianNeuronCorrelationHeldOutImages(),
                r.contributingNeurons(), r.neurons());
    }
}
