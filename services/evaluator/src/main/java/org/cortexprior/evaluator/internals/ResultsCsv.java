package org.cortexprior.evaluator.internals;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.cortexprior.evaluator.ExperimentResults;
import org.cortexprior.evaluator.ExperimentResults.VariantRun;
import org.cortexprior.evaluator.Norm;
import org.cortexprior.evaluator.RobustnessResult;
import org.cortexprior.evaluator.RobustnessResult.NoiseLevel;
import org.cortexprior.evaluator.RobustnessResult.PerturbationStats;

/**
 * {@code results.csv}: one row per trained model (variant and seed), with a column per noise level
 * ({@code accuracy_sigma_0.05}), the attack medians and the tap weights. Missing values are empty
 * cells; numbers use a dot as the decimal separator whatever the locale.
 */
public final class ResultsCsv {

    private ResultsCsv() {
    }

    public static String format(ExperimentResults results) {
        List<Double> sigmas = new ArrayList<>();
        List<String> taps = new ArrayList<>();
        for (VariantRun run : results.runs()) {
            for (NoiseLevel level : run.result().noise()) {
                if (!sigmas.contains(level.sigma())) {
                    sigmas.add(level.sigma());
                }
            }
            for (String tap : run.tapNames()) {
                if (!taps.contains(tap)) {
                    taps.add(tap);
                }
            }
        }
        sigmas.sort(Double::compare);

        List<String> header = new ArrayList<>(List.of("variant", "seed", "test_images", "clean_accuracy"));
        for (double sigma : sigmas) {
            header.add("accuracy_sigma_" + number(sigma));
        }
        for (Norm norm : Norm.values()) {
            String prefix = norm == Norm.LINF ? "linf" : "l2";
            header.addAll(List.of(prefix + "_median", prefix + "_median_pgd", prefix + "_median_deepfool",
                    prefix + "_attacked", prefix + "_not_fooled"));
        }
        header.addAll(List.of("hybrid_pairs", "hybrid_follows_low", "hybrid_follows_high"));
        for (String tap : taps) {
            header.add("tap_weight_" + tap);
        }
        header.addAll(List.of("training_seconds", "evaluation_seconds"));

        StringBuilder csv = new StringBuilder(String.join(",", header)).append('\n');
        for (VariantRun run : results.runs()) {
            RobustnessResult result = run.result();
            List<String> row = new ArrayList<>(List.of(quote(run.variant()), Integer.toString(run.seed()),
                    Integer.toString(result.testImages()), number(result.cleanAccuracy())));
            for (double sigma : sigmas) {
                NoiseLevel level = result.noise().stream().filter(l -> l.sigma() == sigma).findFirst().orElse(null);
                row.add(level == null ? "" : number(level.accuracy()));
            }
            for (Norm norm : Norm.values()) {
                PerturbationStats stats = result.perturbation(norm);
                row.add(stats == null ? "" : number(stats.median()));
                row.add(stats == null ? "" : number(stats.medianPgd()));
                row.add(stats == null ? "" : number(stats.medianDeepFool()));
                row.add(stats == null ? "" : Integer.toString(stats.attackedImages()));
                row.add(stats == null ? "" : Integer.toString(stats.notFooled()));
            }
            RobustnessResult.HybridResult hybrid = result.hybrid();
            row.add(hybrid == null ? "" : Integer.toString(hybrid.pairs()));
            row.add(hybrid == null ? "" : number(hybrid.followsLow()));
            row.add(hybrid == null ? "" : number(hybrid.followsHigh()));
            for (String tap : taps) {
                int index = run.tapNames().indexOf(tap);
                row.add(index < 0 ? "" : number(run.tapWeights()[index]));
            }
            row.add(number(run.trainingSeconds()));
            row.add(number(run.evaluationSeconds()));
            csv.append(String.join(",", row)).append('\n');
        }
        return csv.toString();
    }

    /** Formats a number with up to 6 significant digits; null and NaN become an empty cell. */
    static String number(Double value) {
        if (value == null || value.isNaN()) {
            return "";
        }
        if (value.isInfinite()) {
            return value > 0 ? "inf" : "-inf";
        }
        String text = String.format(Locale.ROOT, "%.6g", value);
        if (text.contains("e")) {
            return text;
        }
        text = text.contains(".") ? text.replaceAll("0+$", "") : text;
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }

    private static String quote(String text) {
        if (text.contains(",") || text.contains("\"") || text.contains("\n")) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }
}
