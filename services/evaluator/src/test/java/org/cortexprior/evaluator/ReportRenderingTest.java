package org.cortexprior.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.cortexprior.evaluator.ExperimentResults.DataSource;
import org.cortexprior.evaluator.ExperimentResults.SimilarityMatrix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A smoke experiment (two variants of a small network trained with DJL on synthetic gratings, two
 * seeds each, the cheap evaluation setting) written as a report, which headless Chromium must render
 * with every plot visible and not blank. Each plot sits in a purple frame that no chart uses, so
 * the test finds the plots in the screenshot by their frames.
 */
class ReportRenderingTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final int FRAME_RED = 0x6a;
    private static final int FRAME_GREEN = 0x1b;
    private static final int FRAME_BLUE = 0x9a;

    @TempDir
    static Path directory;

    private static ReportFiles files;
    private static ExperimentResults results;

    @BeforeAll
    static void runSmokeExperiment() throws Exception {
        LabeledImages train = TinyModels.gratings(480, 1);
        LabeledImages test = TinyModels.gratings(150, 2);
        EvaluationSettings settings = EvaluationSettings.smoke().toBuilder().attackImages(10).hybridPairs(30)
                .noiseSigmas(0, 0.05, 0.1, 0.2, 0.3, 0.5).build();
        List<String> taps = List.of("stem", "stage1", "stage2", "stage3", "stage4");
        VariantTrainer trainer = (variant, seed) -> {
            double[] tapWeights = variant.equals("blur") ? new double[] {0.1, 0.2, 0.3, 0.25, 0.15}
                    : new double[] {0.3, 0.25, 0.2, 0.15, 0.1};
            return new VariantTrainer.TrainedVariant(TinyModels.train(train, seed, 5, variant.equals("blur")), taps,
                    tapWeights, Map.of("epochs", "5"));
        };
        Map<String, String> configuration = new LinkedHashMap<>();
        configuration.put("variants", "none, blur");
        configuration.put("evaluation", settings.toString());
        results = new ExperimentRunner(List.of("none", "blur"), List.of(1, 2), settings, trainer).run(
                "Smoke experiment <synthetic gratings>", configuration,
                List.of(new DataSource("test images", "synthetic", -1, null, test.source())), test,
                pixelSimilarity(TinyModels.gratings(48, 3)), EvaluationProgress.none());
        files = ReportWriter.write(results, directory.resolve("report"));
    }

    /** Returns the centred cosine similarity of the images' pixels, the pixel control of the regulariser. */
    private static SimilarityMatrix pixelSimilarity(LabeledImages images) {
        int n = images.size();
        int size = images.imageSize();
        float[] pixels = new float[n * size];
        for (int i = 0; i < n; i++) {
            images.copyImage(i, pixels, i * size);
        }
        for (int j = 0; j < size; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += pixels[i * size + j] / n;
            }
            for (int i = 0; i < n; i++) {
                pixels[i * size + j] -= (float) mean;
            }
        }
        float[] similarity = new float[n * n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double dot = 0;
                double normA = 0;
                double normB = 0;
                for (int j = 0; j < size; j++) {
                    dot += pixels[a * size + j] * pixels[b * size + j];
                    normA += pixels[a * size + j] * pixels[a * size + j];
                    normB += pixels[b * size + j] * pixels[b * size + j];
                }
                similarity[a * n + b] = (float) (dot / Math.sqrt(normA * normB));
            }
        }
        return new SimilarityMatrix(n, similarity, "centred cosine similarity of 48 grating images' pixels");
    }

    @Test
    void reportFilesWritten() throws IOException {
        assertEquals(6, files.plots().size(), "noise, L-inf, L2, hybrid, similarity and tap-weight plots");
        for (Path plot : files.plots()) {
            BufferedImage image = ImageIO.read(plot.toFile());
            assertEquals(900, image.getWidth(), plot + " width");
            assertTrue(distinctColours(image, 0, 0, image.getWidth(), image.getHeight()) > 20, plot + " is blank");
        }
        String csv = Files.readString(files.csv());
        assertEquals(5, csv.lines().count(), "header and one row per variant and seed");
        assertTrue(csv.lines().findFirst().orElseThrow().contains("accuracy_sigma_0.05"), csv);
        String html = Files.readString(files.html());
        assertTrue(html.contains("Smoke experiment &lt;synthetic gratings&gt;"), "title is escaped");
        for (Path plot : files.plots()) {
            assertTrue(html.contains("src=\"" + plot.getFileName() + "\""), "report links " + plot.getFileName());
        }
    }

    @Test
    void resultsJsonReadsBack() throws IOException {
        ExperimentResults read = ReportWriter.readResults(files.json());
        assertEquals(results.runs().size(), read.runs().size());
        assertEquals(results.runs().get(0).result().linf().median(), read.runs().get(0).result().linf().median());
        assertEquals(results.runs().get(3).result().noise().get(2).accuracy(),
                read.runs().get(3).result().noise().get(2).accuracy());
        assertEquals(ReportWriter.mapper().writeValueAsString(results), ReportWriter.mapper().writeValueAsString(read));
    }

    @Test
    void reportRendersInChromium() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                "Skipped: " + CHROMIUM + " is absent; install Debian's chromium package to run the rendering check");
        Path screenshot = directory.resolve("screenshot.png");
        Path profile = Files.createTempDirectory(directory, "chromium-profile");
        ProcessBuilder command = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile, "--screenshot=" + screenshot,
                "--window-size=1280,5200", files.html().toUri().toString());
        command.redirectErrorStream(true).redirectOutput(directory.resolve("chromium.log").toFile());
        Process chromium = command.start();
        assertTrue(chromium.waitFor(120, TimeUnit.SECONDS), "chromium did not finish within 120 s");
        assertEquals(0, chromium.exitValue(), () -> "chromium failed: " + read(directory.resolve("chromium.log")));

        BufferedImage image = ImageIO.read(screenshot.toFile());
        List<int[]> frames = frames(image);
        assertEquals(files.plots().size(), frames.size(), "plots framed in the screenshot");
        for (int[] frame : frames) {
            int width = frame[2] - frame[0] + 1;
            int height = frame[3] - frame[1] + 1;
            assertTrue(Math.abs(width - 908) <= 4, "frame width " + width + " (900 pixels plus the border)");
            assertTrue(Math.abs(height - 508) <= 4, "frame height " + height + " (500 pixels plus the border)");
            int colours = distinctColours(image, frame[0] + 6, frame[1] + 6, frame[2] - 6, frame[3] - 6);
            assertTrue(colours > 20, "plot at y=" + frame[1] + " looks blank or missing: " + colours + " colours");
            double inked = inkedFraction(image, frame[0] + 6, frame[1] + 6, frame[2] - 6, frame[3] - 6);
            assertTrue(inked > 0.02, "plot at y=" + frame[1] + " has only " + inked + " of its area drawn");
        }
    }

    /** Returns the bounding boxes {x0, y0, x1, y1} of connected regions in the frame colour, larger than 100 pixels. */
    private static List<int[]> frames(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        boolean[] seen = new boolean[width * height];
        List<int[]> boxes = new ArrayList<>();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (seen[y * width + x] || !isFrame(image.getRGB(x, y))) {
                    continue;
                }
                int[] box = {x, y, x, y};
                ArrayDeque<int[]> queue = new ArrayDeque<>();
                queue.add(new int[] {x, y});
                seen[y * width + x] = true;
                while (!queue.isEmpty()) {
                    int[] p = queue.poll();
                    box[0] = Math.min(box[0], p[0]);
                    box[1] = Math.min(box[1], p[1]);
                    box[2] = Math.max(box[2], p[0]);
                    box[3] = Math.max(box[3], p[1]);
                    int[][] neighbours = {{p[0] + 1, p[1]}, {p[0] - 1, p[1]}, {p[0], p[1] + 1}, {p[0], p[1] - 1}};
                    for (int[] q : neighbours) {
                        if (q[0] >= 0 && q[1] >= 0 && q[0] < width && q[1] < height && !seen[q[1] * width + q[0]]
                                && isFrame(image.getRGB(q[0], q[1]))) {
                            seen[q[1] * width + q[0]] = true;
                            queue.add(q);
                        }
                    }
                }
                if (box[2] - box[0] > 100 && box[3] - box[1] > 100) {
                    boxes.add(box);
                }
            }
        }
        return boxes;
    }

    private static boolean isFrame(int rgb) {
        return Math.abs(((rgb >> 16) & 0xff) - FRAME_RED) <= 3 && Math.abs(((rgb >> 8) & 0xff) - FRAME_GREEN) <= 3
                && Math.abs((rgb & 0xff) - FRAME_BLUE) <= 3;
    }

    private static int distinctColours(BufferedImage image, int x0, int y0, int x1, int y1) {
        Set<Integer> colours = new HashSet<>();
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                colours.add(image.getRGB(x, y) & 0xffffff);
            }
        }
        return colours.size();
    }

    /** Returns the fraction of pixels that are not near-white. */
    private static double inkedFraction(BufferedImage image, int x0, int y0, int x1, int y1) {
        long inked = 0;
        long total = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int rgb = image.getRGB(x, y);
                boolean white = ((rgb >> 16) & 0xff) > 240 && ((rgb >> 8) & 0xff) > 240 && (rgb & 0xff) > 240;
                inked += white ? 0 : 1;
                total++;
            }
        }
        return (double) inked / total;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
