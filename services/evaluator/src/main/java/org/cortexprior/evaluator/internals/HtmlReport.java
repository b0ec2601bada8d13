package org.cortexprior.evaluator.internals;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.cortexprior.evaluator.ExperimentResults;
import org.cortexprior.evaluator.ExperimentResults.DataSource;
import org.cortexprior.evaluator.ExperimentResults.VariantRun;
import org.cortexprior.evaluator.Norm;
import org.cortexprior.evaluator.RobustnessResult;
import org.cortexprior.evaluator.RobustnessResult.PerturbationStats;

/**
 * {@code report.html}: one self-contained page (styles inline, plots linked as PNG files beside it)
 * with a summary table per variant, the plots, the configuration, the data provenance and every run.
 */
public final class HtmlReport {

    /**
     * Frame colour of every plot. The charts never use it, so a screenshot test can find each plot by
     * its frame.
     */
    public static final String FRAME_COLOUR = "#6a1b9a";

    /**
     * A plot of the report.
     *
     * @param file    PNG file name, relative to the report
     * @param caption what the plot shows
     * @param width   width in pixels
     * @param height  height in pixels
     */
    public record Figure(String file, String caption, int width, int height) {
    }

    private HtmlReport() {
    }

    public static String render(ExperimentResults results, List<Figure> figures, String jsonFile, String csvFile) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(results.title())).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:24px;color:#222;background:#fff;max-width:1100px}\n")
                .append("table{border-collapse:collapse;margin:8px 0 20px}\n")
                .append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}\n")
                .append("th{background:#f0f0f0}\ntd.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("figure{margin:0 0 24px}\nfigure img{display:block;border:4px solid ").append(FRAME_COLOUR)
                .append("}\nfigcaption{font-size:14px;color:#444;margin-top:6px;max-width:900px}\n")
                .append("code{font-size:13px}\n</style>\n</head>\n<body>\n");
        html.append("<h1>").append(escape(results.title())).append("</h1>\n");
        html.append("<p>Started ").append(escape(results.started())).append(", finished ")
                .append(escape(results.finished())).append(". Data: <a href=\"").append(escape(jsonFile))
                .append("\">").append(escape(jsonFile)).append("</a>, <a href=\"").append(escape(csvFile))
                .append("\">").append(escape(csvFile)).append("</a>.</p>\n");

        summary(html, results);

        html.append("<h2>Plots</h2>\n");
        for (Figure figure : figures) {
            html.append("<figure><img src=\"").append(escape(figure.file())).append("\" width=\"")
                    .append(figure.width()).append("\" height=\"").append(figure.height()).append("\" alt=\"")
                    .append(escape(figure.caption())).append("\"><figcaption>").append(escape(figure.caption()))
                    .append("</figcaption></figure>\n");
        }

        html.append("<h2>Configuration</h2>\n<table>\n");
        for (Map.Entry<String, String> entry : results.configuration().entrySet()) {
            html.append("<tr><th>").append(escape(entry.getKey())).append("</th><td><code>")
                    .append(escape(entry.getValue())).append("</code></td></tr>\n");
        }
        html.append("</table>\n");

        html.append("<h2>Data provenance</h2>\n<table>\n<tr><th>role</th><th>path</th><th>bytes</th><th>SHA-256</th>"
                + "<th>note</th></tr>\n");
        for (DataSource source : results.provenance()) {
            html.append("<tr><td>").append(escape(source.role())).append("</td><td><code>")
                    .append(escape(source.path())).append("</code></td><td class=\"num\">")
                    .append(source.bytes() < 0 ? "" : Long.toString(source.bytes())).append("</td><td><code>")
                    .append(source.sha256() == null ? "" : escape(source.sha256())).append("</code></td><td>")
                    .append(escape(source.note())).append("</td></tr>\n");
        }
        html.append("</table>\n");

        runs(html, results);
        html.append("</body>\n</html>\n");
        return html.toString();
    }

    private static void summary(StringBuilder html, ExperimentResults results) {
        html.append("<h2>Summary</h2>\n<p>Means over seeds, &plusmn; one standard deviation where there are several "
                + "seeds. Perturbation sizes are medians over the attacked images (pixel values in [0, 1]).</p>\n");
        html.append("<table>\n<tr><th>variant</th><th>seeds</th><th>clean accuracy</th><th>accuracy, sigma 0.05</th>"
                + "<th>accuracy, sigma 0.1</th><th>median L-inf</th><th>median L2</th>"
                + "<th>hybrids following low frequencies</th></tr>\n");
        for (String variant : results.variants()) {
            List<VariantRun> runs = results.runsOf(variant);
            html.append("<tr><td>").append(escape(variant)).append("</td><td class=\"num\">").append(runs.size())
                    .append("</td>");
            cell(html, runs.stream().mapToDouble(r -> r.result().cleanAccuracy()).toArray(), 3);
            cell(html, runs.stream().mapToDouble(r -> r.result().accuracyAtSigma(0.05)).toArray(), 3);
            cell(html, runs.stream().mapToDouble(r -> r.result().accuracyAtSigma(0.1)).toArray(), 3);
            cell(html, runs.stream().mapToDouble(r -> median(r.result(), Norm.LINF)).toArray(), 4);
            cell(html, runs.stream().mapToDouble(r -> median(r.result(), Norm.L2)).toArray(), 4);
            cell(html, runs.stream().filter(r -> r.result().hybrid() != null)
                    .mapToDouble(r -> r.result().hybrid().followsLow()).toArray(), 3);
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static void runs(StringBuilder html, ExperimentResults results) {
        html.append("<h2>Runs</h2>\n<table>\n<tr><th>variant</th><th>seed</th><th>clean accuracy</th>"
                + "<th>median L-inf (PGD, DeepFool)</th><th>median L2 (PGD, DeepFool)</th><th>not fooled</th>"
                + "<th>training</th><th>seconds (train, evaluate)</th></tr>\n");
        for (VariantRun run : results.runs()) {
            RobustnessResult result = run.result();
            html.append("<tr><td>").append(escape(run.variant())).append("</td><td class=\"num\">").append(run.seed())
                    .append("</td><td class=\"num\">").append(format(result.cleanAccuracy(), 4)).append("</td><td>")
                    .append(attackCell(result.linf())).append("</td><td>").append(attackCell(result.l2()))
                    .append("</td><td class=\"num\">").append(notFooled(result)).append("</td><td>");
            for (Map.Entry<String, String> entry : run.training().entrySet()) {
                html.append(escape(entry.getKey())).append(": ").append(escape(entry.getValue())).append("<br>");
            }
            html.append("</td><td class=\"num\">").append(format(run.trainingSeconds(), 1)).append(", ")
                    .append(format(run.evaluationSeconds(), 1)).append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static String attackCell(PerturbationStats stats) {
        if (stats == null) {
            return "not run";
        }
        return format(stats.median(), 4) + " (" + format(stats.medianPgd(), 4) + ", " + format(stats.medianDeepFool(), 4)
                + ") over " + stats.attackedImages() + " images";
    }

    private static String notFooled(RobustnessResult result) {
        if (result.linf() == null) {
            return "";
        }
        return "L-inf " + result.linf().notFooled() + ", L2 " + result.l2().notFooled();
    }

    private static double median(RobustnessResult result, Norm norm) {
        PerturbationStats stats = result.perturbation(norm);
        return stats == null || stats.median() == null ? Double.NaN : stats.median();
    }

    private static void cell(StringBuilder html, double[] values, int decimals) {
        double[] finite = java.util.Arrays.stream(values).filter(Double::isFinite).toArray();
        html.append("<td class=\"num\">");
        if (finite.length > 0) {
            html.append(format(Statistics.mean(finite), decimals));
            if (finite.length > 1) {
                html.append(" &plusmn; ").append(format(Statistics.standardDeviation(finite), decimals));
            }
        }
        html.append("</td>");
    }

    private static String format(Double value, int decimals) {
        if (value == null || value.isNaN()) {
            return "&ndash;";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
