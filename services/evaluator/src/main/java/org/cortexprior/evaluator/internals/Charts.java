package org.cortexprior.evaluator.internals;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.cortexprior.evaluator.ExperimentResults;
import org.cortexprior.evaluator.ExperimentResults.SimilarityMatrix;
import org.cortexprior.evaluator.ExperimentResults.VariantRun;
import org.cortexprior.evaluator.Norm;
import org.cortexprior.evaluator.RobustnessResult;
import org.cortexprior.evaluator.RobustnessResult.NoiseLevel;
import org.cortexprior.evaluator.RobustnessResult.PerturbationStats;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The report's plots, drawn with JFreeChart. Every chart uses the same colour per variant, white
 * backgrounds and no purple, because the report frames each plot in purple and the rendering test
 * finds the plots by that colour.
 */
public final class Charts {

    /** Colours of the variants, in the order they appear in the results. */
    private static final Color[] PALETTE = {
        new Color(0x1F, 0x77, 0xB4), new Color(0xFF, 0x7F, 0x0E), new Color(0x2C, 0xA0, 0x2C),
        new Color(0xD6, 0x27, 0x28), new Color(0x8C, 0x56, 0x4B), new Color(0x17, 0xBE, 0xCF),
        new Color(0x7F, 0x7F, 0x7F), new Color(0xBC, 0xBD, 0x22)};

    /** Largest number of blocks per side of the similarity heat map; larger matrices are averaged in blocks. */
    private static final int MAX_HEAT_MAP_CELLS = 120;

    private Charts() {
    }

    public static Color colour(int index) {
        return PALETTE[index % PALETTE.length];
    }

    /** Accuracy against noise sigma per variant: mean over seeds with error bars of one standard deviation. */
    public static JFreeChart noiseCurve(ExperimentResults results) {
        YIntervalSeriesCollection dataset = new YIntervalSeriesCollection();
        for (String variant : results.variants()) {
            List<VariantRun> runs = results.runsOf(variant);
            YIntervalSeries series = new YIntervalSeries(variant + " (" + runs.size() + " seeds)");
            for (NoiseLevel level : runs.get(0).result().noise()) {
                double[] accuracies = runs.stream().mapToDouble(run -> run.result().accuracyAtSigma(level.sigma()))
                        .toArray();
                double mean = Statistics.mean(accuracies);
                double deviation = Statistics.standardDeviation(accuracies);
                series.add(level.sigma(), mean, mean - deviation, mean + deviation);
            }
            dataset.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Accuracy under additive Gaussian noise",
                "noise sigma (pixel values in [0, 1])", "accuracy", dataset, PlotOrientation.VERTICAL, true, false,
                false);
        XYPlot plot = chart.getXYPlot();
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setDrawYError(true);
        renderer.setDefaultLinesVisible(true);
        renderer.setDefaultShapesVisible(true);
        renderer.setCapLength(6);
        for (int s = 0; s < dataset.getSeriesCount(); s++) {
            renderer.setSeriesPaint(s, colour(s));
            renderer.setSeriesStroke(s, new BasicStroke(2f));
        }
        renderer.setErrorStroke(new BasicStroke(1.2f));
        plot.setRenderer(renderer);
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 1.02);
        style(chart);
        return chart;
    }

    /** Box plots of the minimal perturbation per variant (all seeds pooled; images not fooled left out). */
    public static JFreeChart perturbationSizes(ExperimentResults results, Norm norm) {
        DefaultBoxAndWhiskerCategoryDataset dataset = new DefaultBoxAndWhiskerCategoryDataset();
        for (String variant : results.variants()) {
            List<Double> sizes = new ArrayList<>();
            for (VariantRun run : results.runsOf(variant)) {
                PerturbationStats stats = run.result().perturbation(norm);
                if (stats != null) {
                    for (double size : stats.sizes()) {
                        sizes.add(size);
                    }
                }
            }
            if (!sizes.isEmpty()) {
                dataset.add(sizes, "minimal " + norm.label() + " perturbation", variant);
            }
        }
        JFreeChart chart = ChartFactory.createBoxAndWhiskerChart("Minimal " + norm.label()
                + " adversarial perturbation per image", "variant", norm.label() + " size", dataset, false);
        CategoryPlot plot = chart.getCategoryPlot();
        BoxAndWhiskerRenderer renderer = (BoxAndWhiskerRenderer) plot.getRenderer();
        renderer.setSeriesPaint(0, colour(0));
        renderer.setFillBox(true);
        renderer.setMeanVisible(false);
        renderer.setMaximumBarWidth(0.12);
        style(chart);
        return chart;
    }

    /** Heat map of the similarity matrix on a blue-white-red scale from -1 to 1. */
    public static JFreeChart similarityHeatMap(SimilarityMatrix matrix) {
        int cells = Math.min(matrix.size(), MAX_HEAT_MAP_CELLS);
        double block = (double) matrix.size() / cells;
        double[] xs = new double[cells * cells];
        double[] ys = new double[cells * cells];
        double[] zs = new double[cells * cells];
        for (int row = 0; row < cells; row++) {
            for (int column = 0; column < cells; column++) {
                int index = row * cells + column;
                xs[index] = column * block;
                ys[index] = row * block;
                zs[index] = blockMean(matrix, (int) (row * block), (int) ((row + 1) * block),
                        (int) (column * block), (int) ((column + 1) * block));
            }
        }
        DefaultXYZDataset dataset = new DefaultXYZDataset();
        dataset.addSeries("similarity", new double[][] {xs, ys, zs});

        NumberAxis xAxis = new NumberAxis("image");
        NumberAxis yAxis = new NumberAxis("image");
        xAxis.setRange(0, matrix.size());
        yAxis.setRange(0, matrix.size());
        yAxis.setInverted(true);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setBlockWidth(block);
        renderer.setBlockHeight(block);
        renderer.setBlockAnchor(org.jfree.chart.ui.RectangleAnchor.BOTTOM_LEFT);
        DivergingScale scale = new DivergingScale();
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(dataset, xAxis, yAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        JFreeChart chart = new JFreeChart("Neural similarity matrix (" + matrix.size() + " images"
                + (cells < matrix.size() ? ", block means" : "") + ")", plot);
        chart.removeLegend();
        PaintScaleLegend legend = new PaintScaleLegend(scale, new NumberAxis("similarity"));
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 10, 40, 4);
        legend.setFrame(BlockBorder.NONE);
        chart.addSubtitle(legend);
        style(chart);
        return chart;
    }

    /** Learned tap weights per variant, averaged over seeds; null when no run has taps. */
    public static JFreeChart tapWeights(ExperimentResults results) {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        boolean any = false;
        for (String variant : results.variants()) {
            List<VariantRun> runs = results.runsOf(variant).stream().filter(run -> run.tapWeights().length > 0)
                    .toList();
            if (runs.isEmpty()) {
                continue;
            }
            any = true;
            List<String> taps = runs.get(0).tapNames();
            for (int t = 0; t < taps.size(); t++) {
                int tap = t;
                double mean = Statistics.mean(runs.stream().mapToDouble(run -> run.tapWeights()[tap]).toArray());
                dataset.addValue(mean, variant, taps.get(t));
            }
        }
        if (!any) {
            return null;
        }
        JFreeChart chart = ChartFactory.createBarChart("Learned tap weights (softmax of gamma, mean over seeds)",
                "tap", "weight", dataset);
        BarRenderer renderer = (BarRenderer) chart.getCategoryPlot().getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        for (int s = 0; s < dataset.getRowCount(); s++) {
            renderer.setSeriesPaint(s, colour(results.variants().indexOf((String) dataset.getRowKey(s))));
        }
        style(chart);
        return chart;
    }

    /** Fractions of hybrid images classified as the low- or high-frequency image's class; null without hybrids. */
    public static JFreeChart hybridBands(ExperimentResults results) {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        boolean any = false;
        for (String variant : results.variants()) {
            List<RobustnessResult.HybridResult> hybrids = results.runsOf(variant).stream()
                    .map(run -> run.result().hybrid()).filter(java.util.Objects::nonNull).toList();
            if (hybrids.isEmpty()) {
                continue;
            }
            any = true;
            dataset.addValue(Statistics.mean(hybrids.stream().mapToDouble(h -> h.followsLow()).toArray()),
                    "low frequencies", variant);
            dataset.addValue(Statistics.mean(hybrids.stream().mapToDouble(h -> h.followsHigh()).toArray()),
                    "high frequencies", variant);
            dataset.addValue(Statistics.mean(hybrids.stream().mapToDouble(h -> h.followsNeither()).toArray()),
                    "neither", variant);
        }
        if (!any) {
            return null;
        }
        JFreeChart chart = ChartFactory.createBarChart("Hybrid images: which band the prediction follows",
                "variant", "fraction of hybrids", dataset);
        BarRenderer renderer = (BarRenderer) chart.getCategoryPlot().getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setSeriesPaint(0, colour(0));
        renderer.setSeriesPaint(1, colour(1));
        renderer.setSeriesPaint(2, colour(6));
        style(chart);
        return chart;
    }

    /** Writes {@code chart} as a PNG of the given size in pixels. */
    public static void save(JFreeChart chart, Path file, int width, int height) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }

    private static double blockMean(SimilarityMatrix matrix, int rowFrom, int rowTo, int columnFrom, int columnTo) {
        double sum = 0;
        int count = 0;
        for (int r = rowFrom; r < Math.max(rowTo, rowFrom + 1); r++) {
            for (int c = columnFrom; c < Math.max(columnTo, columnFrom + 1); c++) {
                sum += matrix.get(r, c);
                count++;
            }
        }
        return sum / count;
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        if (chart.getPlot() instanceof XYPlot plot) {
            plot.setBackgroundPaint(Color.WHITE);
            plot.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
            plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        } else if (chart.getPlot() instanceof CategoryPlot plot) {
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        }
    }

    /** Blue (-1) to white (0) to red (+1), clamped outside [-1, 1]. */
    static final class DivergingScale implements PaintScale {
        private static final Color NEGATIVE = new Color(0x21, 0x66, 0xAC);
        private static final Color POSITIVE = new Color(0xB2, 0x18, 0x2B);

        @Override
        public double getLowerBound() {
            return -1;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double value) {
            double v = Double.isNaN(value) ? 0 : Math.max(-1, Math.min(1, value));
            Color end = v < 0 ? NEGATIVE : POSITIVE;
            double t = Math.abs(v);
            return new Color(mix(255, end.getRed(), t), mix(255, end.getGreen(), t), mix(255, end.getBlue(), t));
        }

        private static int mix(int from, int to, double t) {
            return (int) Math.round(from + (to - from) * t);
        }
    }
}
