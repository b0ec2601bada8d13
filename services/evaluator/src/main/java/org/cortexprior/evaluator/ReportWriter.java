package org.cortexprior.evaluator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.cortexprior.evaluator.internals.Charts;
import org.cortexprior.evaluator.internals.HtmlReport;
import org.cortexprior.evaluator.internals.ResultsCsv;
import org.jfree.chart.JFreeChart;

/**
 * Writes an experiment's results to a directory: {@code results.json} (the whole
 * {@link ExperimentResults}, readable again with {@link #readResults(Path)}), {@code results.csv}
 * (one row per trained model), PNG plots, and {@code report.html}, which shows the plots with the
 * summary, the configuration and the data provenance, and links the other files by relative paths,
 * so the directory can be moved or archived as a whole.
 *
 * <p>Plots: accuracy against noise sigma with error bars over seeds, the distributions of the
 * minimal L-inf and L2 perturbations, the hybrid-image bands, the neural similarity matrix and the
 * learned tap weights; a plot without data (no attacks, no taps, no matrix) is left out.
 *
 * <p>Stateless and thread-safe; two writers must not write to the same directory at once.
 */
public final class ReportWriter {

    public static final String HTML = "report.html";
    public static final String JSON = "results.json";
    public static final String CSV = "results.csv";

    private static final int PLOT_WIDTH = 900;
    private static final int PLOT_HEIGHT = 500;

    private ReportWriter() {
    }

    /** Writes every file of the report into {@code directory}, creating it when needed. */
    public static ReportFiles write(ExperimentResults results, Path directory) throws IOException {
        Files.createDirectories(directory);
        Path json = directory.resolve(JSON);
        mapper().writeValue(json.toFile(), results);
        Path csv = directory.resolve(CSV);
        Files.writeString(csv, ResultsCsv.format(results), StandardCharsets.UTF_8);

        List<HtmlReport.Figure> figures = new ArrayList<>();
        addPlot(figures, directory, "accuracy-vs-noise.png", Charts.noiseCurve(results),
                "Accuracy on the test images with additive Gaussian noise, clipped to [0, 1]. Points are means over "
                        + "seeds; bars span one standard deviation.");
        if (hasAttacks(results, Norm.LINF)) {
            addPlot(figures, directory, "perturbation-linf.png", Charts.perturbationSizes(results, Norm.LINF),
                    "Minimal L-inf perturbation that changes the prediction, per attacked image (all seeds pooled). "
                            + "Boxes span the quartiles; the line is the median.");
        }
        if (hasAttacks(results, Norm.L2)) {
            addPlot(figures, directory, "perturbation-l2.png", Charts.perturbationSizes(results, Norm.L2),
                    "Minimal L2 perturbation that changes the prediction, per attacked image (all seeds pooled).");
        }
        JFreeChart hybrid = Charts.hybridBands(results);
        if (hybrid != null) {
            addPlot(figures, directory, "hybrid-images.png", hybrid,
                    "Hybrid images (low frequencies of one image plus high frequencies of an image of another "
                            + "class): which image's class the prediction follows.");
        }
        if (results.neuralSimilarity() != null) {
            addPlot(figures, directory, "neural-similarity.png", Charts.similarityHeatMap(results.neuralSimilarity()),
                    "Target similarity matrix: " + results.neuralSimilarity().description());
        }
        JFreeChart taps = Charts.tapWeights(results);
        if (taps != null) {
            addPlot(figures, directory, "tap-weights.png", taps,
                    "Learned weights of the feature taps whose similarities are mixed in the regulariser.");
        }

        Path html = directory.resolve(HTML);
        Files.writeString(html, HtmlReport.render(results, figures, JSON, CSV), StandardCharsets.UTF_8);
        return new ReportFiles(html, json, csv, figures.stream().map(f -> directory.resolve(f.file())).toList());
    }

    /** Reads a {@code results.json} written by {@link #write(ExperimentResults, Path)}. */
    public static ExperimentResults readResults(Path json) throws IOException {
        return mapper().readValue(json.toFile(), ExperimentResults.class);
    }

    /** Returns the JSON mapper used for results files: indented output, unknown fields ignored on reading. */
    public static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    private static boolean hasAttacks(ExperimentResults results, Norm norm) {
        return results.runs().stream().map(run -> run.result().perturbation(norm))
                .anyMatch(stats -> stats != null && stats.sizes().length > 0);
    }

    private static void addPlot(List<HtmlReport.Figure> figures, Path directory, String file, JFreeChart chart,
            String caption) throws IOException {
        Charts.save(chart, directory.resolve(file), PLOT_WIDTH, PLOT_HEIGHT);
        figures.add(new HtmlReport.Figure(file, caption, PLOT_WIDTH, PLOT_HEIGHT));
    }
}
