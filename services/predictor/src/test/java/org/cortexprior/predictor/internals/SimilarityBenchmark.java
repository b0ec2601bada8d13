package org.cortexprior.predictor.internals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Benchmarks the predictor's similarity computation: per-neuron centring and weighting, the
 * upper-triangle Gram tiles and their centred cosine normalisation, for images x neurons float32
 * responses. Two references run in the same benchmark, on the same data:
 *
 * <ul>
 *   <li>a bare DJL (libtorch) float32 product {@code X X^T} of the full matrix, the machine's
 *       matrix-multiplication limit. FLOP rates count only the multiply-adds each side performs, so
 *       the Gram tiles' skipped lower triangle is saved work and not speed;
 *   <li>the same centred cosine matrix computed by PyTorch from Python (a script given as the
 *       third argument, run with {@code /usr/bin/python3}), compared in wall time.
 * </ul>
 *
 * <p>Run by {@code bench/similarity.bench}:
 * {@code java -cp ... SimilarityBenchmark IMAGES NEURONS REFERENCE_SCRIPT [TILE_SIZE] [REPEATS]}.
 * Prints the figures in the benchmark line format, and {@code #} lines with the details: thread
 * counts, the BLAS library PyTorch loaded, and a checksum comparison of the two similarity
 * matrices. Each figure is the best of REPEATS runs, interleaved so that load from other processes
 * hits all of them alike.
 */
public final class SimilarityBenchmark {

    private SimilarityBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int images = Integer.parseInt(args[0]);
        int neurons = Integer.parseInt(args[1]);
        Path reference = Path.of(args[2]);
        int tileSize = args.length > 3 ? Integer.parseInt(args[3]) : 256;
        int repeats = args.length > 4 ? Integer.parseInt(args[4]) : 2;

        float[] responses = responses(images, neurons, 2019);
        float[] weights = weights(neurons);
        Path file = Files.createTempFile("similarity-bench-", ".f32");
        try {
            write(file, responses);
            run(images, neurons, tileSize, repeats, responses, weights, file, reference);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void run(int images, int neurons, int tileSize, int repeats, float[] responses, float[] weights,
                            Path file, Path reference) throws Exception {
        System.out.printf(Locale.ROOT, "# similarity of %d images x %d neurons, tile size %d, float32 products, "
                        + "DJL engine %s with %d threads, best of %d runs%n", images, neurons, tileSize,
                Engine.getInstance().getEngineName(), Runtime.getRuntime().availableProcessors(), repeats);

        // Warm-up: loads libtorch, compiles the Java loops.
        tiled(Math.min(images, 1024), Math.min(neurons, 1024), tileSize, responses, weights);

        double tiledSeconds = Double.MAX_VALUE;
        double matmulSeconds = Double.MAX_VALUE;
        double pytorchSeconds = Double.MAX_VALUE;
        Result tiled = null;
        PythonResult python = null;
        for (int r = 0; r < repeats; r++) {
            Result run = tiled(images, neurons, tileSize, responses, weights);
            if (run.seconds() < tiledSeconds) {
                tiled = run;
                tiledSeconds = run.seconds();
            }
            matmulSeconds = Math.min(matmulSeconds, matmul(images, neurons, responses));
            python = python(reference, file, images, neurons);
            pytorchSeconds = Math.min(pytorchSeconds, python.seconds());
        }

        double tiledRate = 2.0 * tiled.multiplyAdds() / tiledSeconds / 1e9;
        double fullMultiplyAdds = (double) images * images * neurons;
        double matmulRate = 2.0 * fullMultiplyAdds / matmulSeconds / 1e9;
        System.out.printf(Locale.ROOT, "# tiled similarity: %.2f s for %.3g multiply-adds (%.1f%% of the full product); "
                        + "bare matmul: %.2f s; PyTorch centred cosine: %.2f s%n", tiledSeconds, (double) tiled.multiplyAdds(),
                100.0 * tiled.multiplyAdds() / fullMultiplyAdds, matmulSeconds, pytorchSeconds);
        double productSeconds = tiled.seconds() - tiled.centringSeconds() - tiled.normalisingSeconds();
        System.out.printf(Locale.ROOT, "# tiled breakdown: centring and diagonal %.2f s, Gram products and tile copies "
                        + "%.2f s (%.1f GFLOP/s), normalisation %.2f s%n", tiled.centringSeconds(), productSeconds,
                2.0 * tiled.multiplyAdds() / productSeconds / 1e9, tiled.normalisingSeconds());
        System.out.println("# PyTorch: " + python.details());
        double relative = Math.abs(tiled.sumOfSquares() - python.sumOfSquares()) / python.sumOfSquares();
        System.out.printf(Locale.ROOT, "# check: sum of squared upper-triangle similarities %.6e (tiles) vs %.6e "
                + "(PyTorch), relative difference %.1e%n", tiled.sumOfSquares(), python.sumOfSquares(), relative);
        if (relative > 1e-3) {
            throw new IllegalStateException("The tiled similarity differs from PyTorch's: relative difference " + relative);
        }

        System.out.printf(Locale.ROOT, "similarity FLOP rate: %.1f GFLOP/s; reference djl-matmul: %.1f GFLOP/s; "
                + "ratio %.2f (target >= 0.85)%n", tiledRate, matmulRate, tiledRate / matmulRate);
        System.out.printf(Locale.ROOT, "similarity wall time: %.2f s; reference pytorch-centred-cosine: %.2f s; "
                + "ratio %.2f (target < 1.00)%n", tiledSeconds, pytorchSeconds, tiledSeconds / pytorchSeconds);
    }

    /**
     * One run of the tiled computation: its time, the multiply-adds it performed, a checksum, and
     * the seconds spent centring (with the diagonal) and normalising; the rest is the Gram products
     * and copying their results into tiles. The checksum's own time is left out.
     */
    private record Result(double seconds, long multiplyAdds, double sumOfSquares, double centringSeconds,
                          double normalisingSeconds) {
    }

    private record PythonResult(double seconds, double sumOfSquares, String details) {
    }

    /** Runs the predictor's computation on the first {@code images x neurons} responses. */
    private static Result tiled(int images, int neurons, int tileSize, float[] all, float[] weights) {
        float[] responses = all.length == images * neurons ? all : subMatrix(all, images, neurons, weights.length);
        float[] neuronWeights = weights.length == neurons ? weights : java.util.Arrays.copyOf(weights, neurons);
        double[] sum = new double[1];
        long[] normalising = new long[1];
        long start = System.nanoTime();
        double[] diagonal = new double[images];
        float[] centred = GramMath.centreAndWeight(responses, images, neurons, null, neuronWeights, diagonal);
        long centring = System.nanoTime() - start;
        long[] checking = new long[1];
        try (NDManager manager = NDManager.newBaseManager()) {
            GramMath.forEachTile(manager, centred, images, neurons, tileSize, (row, column, rows, columns, block) -> {
                long tileStart = System.nanoTime();
                double[] rowDiagonal = java.util.Arrays.copyOfRange(diagonal, row * tileSize, row * tileSize + rows);
                double[] columnDiagonal = java.util.Arrays.copyOfRange(diagonal, column * tileSize,
                        column * tileSize + columns);
                float[] similarity = GramMath.normalise(block, rowDiagonal, columnDiagonal, rows, columns);
                long checkStart = System.nanoTime();
                double squares = 0;
                for (int i = 0; i < rows; i++) {
                    for (int j = row == column ? i : 0; j < columns; j++) {
                        double s = similarity[i * columns + j];
                        squares += s * s;
                    }
                }
                sum[0] += squares;
                long end = System.nanoTime();
                checking[0] += end - checkStart;
                normalising[0] += checkStart - tileStart;
            });
        }
        // The checksum is the benchmark's own verification, outside the timing as in the PyTorch script.
        double seconds = (System.nanoTime() - start - checking[0]) / 1e9;
        return new Result(seconds, GramMath.multiplyAdds(images, neurons, tileSize), sum[0], centring / 1e9,
                normalising[0] / 1e9);
    }

    /** Times the bare float32 product of the full matrix with its transpose. */
    private static double matmul(int images, int neurons, float[] responses) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(responses, new Shape(images, neurons));
            NDArray xt = x.transpose();
            long start = System.nanoTime();
            NDArray product = x.matMul(xt);
            // The CPU engine computes eagerly; reading one element makes sure the product exists.
            product.get(0, 0).getFloat();
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static PythonResult python(Path script, Path file, int images, int neurons)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", script.toString(), file.toString(),
                Integer.toString(images), Integer.toString(neurons)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("The PyTorch reference failed:\n" + output);
        }
        double seconds = Double.NaN;
        double squares = Double.NaN;
        StringBuilder details = new StringBuilder();
        for (String line : output.split("\n")) {
            if (line.startsWith("seconds=")) {
                seconds = Double.parseDouble(line.substring("seconds=".length()));
            } else if (line.startsWith("sum_of_squares=")) {
                squares = Double.parseDouble(line.substring("sum_of_squares=".length()));
            } else if (!line.isBlank()) {
                details.append(details.length() == 0 ? "" : "; ").append(line.trim());
            }
        }
        if (Double.isNaN(seconds) || Double.isNaN(squares)) {
            throw new IllegalStateException("The PyTorch reference printed no timing or checksum:\n" + output);
        }
        return new PythonResult(seconds, squares, details.toString());
    }

    /** Gaussian responses with a shared image factor, so that similarities are not all near zero. */
    private static float[] responses(int images, int neurons, long seed) {
        Random random = new Random(seed);
        float[] loadings = new float[neurons];
        for (int n = 0; n < neurons; n++) {
            loadings[n] = (float) random.nextGaussian();
        }
        float[] values = new float[images * neurons];
        for (int i = 0; i < images; i++) {
            float factor = (float) random.nextGaussian();
            for (int n = 0; n < neurons; n++) {
                values[i * neurons + n] = factor * loadings[n] + (float) random.nextGaussian();
            }
        }
        return values;
    }

    /** Neuron weights; the Python reference computes the same formula. */
    private static float[] weights(int neurons) {
        float[] weights = new float[neurons];
        for (int n = 0; n < neurons; n++) {
            weights[n] = 0.5f + (n % 7) / 7f;
        }
        return weights;
    }

    private static float[] subMatrix(float[] all, int images, int neurons, int stride) {
        float[] result = new float[images * neurons];
        for (int i = 0; i < images; i++) {
            System.arraycopy(all, i * stride, result, i * neurons, neurons);
        }
        return result;
    }

    private static void write(Path file, float[] values) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (float v : values) {
                if (!buffer.hasRemaining()) {
                    out.write(buffer.array(), 0, buffer.position());
                    buffer.clear();
                }
                buffer.putFloat(v);
            }
            out.write(buffer.array(), 0, buffer.position());
        }
    }
}
