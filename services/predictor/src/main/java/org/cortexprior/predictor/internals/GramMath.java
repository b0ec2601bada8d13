package org.cortexprior.predictor.internals;

import java.util.stream.IntStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The similarity arithmetic: per-neuron centring and weighting, Gram-matrix tiles, and centred
 * cosine normalisation {@code S_ij = G_ij / sqrt(G_ii G_jj)}.
 *
 * <p>Responses are images x neurons, float32, row-major. Gram products run through DJL on the
 * caller's {@link NDManager} (so on its device) in float32; tiles are handed out as float64 so that
 * contributions from many sessions and refits sum without further loss. Only tiles with
 * {@code tileRow <= tileColumn} are computed: the Gram matrix is symmetric.
 *
 * <p>Stateless and thread-safe; the NDArrays it creates belong to a sub-manager closed before
 * each method returns. Centring and diagonals run on the common fork-join pool.
 */
public final class GramMath {

    /** Receives one Gram tile: {@code block} is rows x columns, row-major. */
    @FunctionalInterface
    public interface TileConsumer {
        void accept(int tileRow, int tileColumn, int rows, int columns, double[] block);
    }

    /**
     * Images per panel of tile rows that {@link #forEachTile(NDArray, NDArray, int, int, TileConsumer)}
     * multiplies at once (1,024 rows x 10,000 images is a 40 MB float32 product). The system
     * property {@code cortexprior.gram.panel.rows} changes it, for benchmarks.
     */
    static final int PANEL_ROWS = Integer.getInteger("cortexprior.gram.panel.rows", 1024);

    /** Images per block of the parallel mean computation. */
    private static final int ROWS_PER_BLOCK = 256;

    private GramMath() {
    }

    /** Returns the number of tiles along one edge of an image set. */
    public static int tileCount(int imageCount, int tileSize) {
        return (imageCount + tileSize - 1) / tileSize;
    }

    /** Returns the edge length of tile {@code index}: {@code tileSize}, or less for the last tile. */
    public static int tileEdge(int imageCount, int tileSize, int index) {
        return Math.min(tileSize, imageCount - index * tileSize);
    }

    /**
     * Centres each neuron over the images marked present and multiplies it by its weight; images
     * not present become zero rows, so they add nothing to any Gram entry.
     *
     * @param values images x neurons, row-major; not modified
     * @param present which images have a value, or null for all
     * @param weights one weight per neuron, or null for all 1
     * @return a new images x neurons array
     */
    public static float[] centreAndWeight(float[] values, int images, int neurons, boolean[] present, float[] weights) {
        return centreAndWeight(values, images, neurons, present, weights, null);
    }

    /**
     * As {@link #centreAndWeight(float[], int, int, boolean[], float[])}, and also fills
     * {@code diagonal} (one entry per image, unless null) with what {@link #diagonal} would return
     * for the result, in the same pass over the memory.
     */
    public static float[] centreAndWeight(float[] values, int images, int neurons, boolean[] present, float[] weights,
                                          double[] diagonal) {
        // Partial sums per fixed block of images, added in block order, so the means do not
        // depend on how the blocks were scheduled.
        int blocks = (images + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
        double[][] partial = new double[blocks][];
        int[] counts = new int[blocks];
        IntStream.range(0, blocks).parallel().forEach(b -> {
            double[] sum = new double[neurons];
            for (int i = b * ROWS_PER_BLOCK; i < Math.min(images, (b + 1) * ROWS_PER_BLOCK); i++) {
                if (present != null && !present[i]) {
                    continue;
                }
                counts[b]++;
                int row = i * neurons;
                for (int n = 0; n < neurons; n++) {
                    sum[n] += values[row + n];
                }
            }
            partial[b] = sum;
        });
        double[] mean = new double[neurons];
        int count = 0;
        for (int b = 0; b < blocks; b++) {
            count += counts[b];
            for (int n = 0; n < neurons; n++) {
                mean[n] += partial[b][n];
            }
        }
        if (count > 0) {
            for (int n = 0; n < neurons; n++) {
                mean[n] /= count;
            }
        }

        float[] result = new float[images * neurons];
        IntStream.range(0, images).parallel().forEach(i -> {
            if (present != null && !present[i]) {
                if (diagonal != null) {
                    diagonal[i] = 0;
                }
                return;
            }
            int row = i * neurons;
            double squares = 0;
            for (int n = 0; n < neurons; n++) {
                double w = weights == null ? 1.0 : weights[n];
                float centred = (float) ((values[row + n] - mean[n]) * w);
                result[row + n] = centred;
                squares += (double) centred * centred;
            }
            if (diagonal != null) {
                diagonal[i] = squares;
            }
        });
        return result;
    }

    /**
     * Computes every upper-triangle Gram tile of {@code responses} (images x neurons) in float32
     * products; about half the work of the full product.
     */
    public static void forEachTile(NDManager parent, float[] responses, int images, int neurons, int tileSize,
                                   TileConsumer consumer) {
        if (images == 0) {
            return;
        }
        try (NDManager manager = parent.newSubManager()) {
            NDArray all = manager.create(responses, new Shape(images, neurons));
            forEachTile(all, all, images, tileSize, consumer);
        }
    }

    /**
     * Computes the upper-triangle tiles of {@code left right^T}, where both are images x k arrays;
     * pass the same array twice for a Gram matrix. The caller guarantees the product is symmetric.
     *
     * <p>Tile rows are grouped into panels of about {@link #PANEL_ROWS} images. A panel's rows
     * against all images after the panel are one large product, which keeps the matrix library at
     * its best rate. Within the panel each tile row is multiplied only against the images from its
     * own start on, so the work skipped below the diagonal stays that of single tiles.
     */
    public static void forEachTile(NDArray left, NDArray right, int images, int tileSize, TileConsumer consumer) {
        forEachTile(left, right, images, tileSize, PANEL_ROWS, consumer);
    }

    /** As {@link #forEachTile(NDArray, NDArray, int, int, TileConsumer)}, with panels of about {@code panelRows} images. */
    static void forEachTile(NDArray left, NDArray right, int images, int tileSize, int panelRows, TileConsumer consumer) {
        int tiles = tileCount(images, tileSize);
        int tilesPerPanel = Math.max(1, panelRows / tileSize);
        for (int firstTile = 0; firstTile < tiles; firstTile += tilesPerPanel) {
            int endTile = Math.min(tiles, firstTile + tilesPerPanel);
            int panelStart = firstTile * tileSize;
            int panelEnd = Math.min(images, endTile * tileSize);
            try (NDManager scope = left.getManager().newSubManager()) {
                int outerWidth = images - panelEnd;
                float[] outer = outerWidth == 0 ? new float[0]
                        : product(scope, left, right, panelStart, panelEnd, panelEnd, images);
                for (int r = firstTile; r < endTile; r++) {
                    int rowStart = r * tileSize;
                    int rows = tileEdge(images, tileSize, r);
                    int innerWidth = panelEnd - rowStart;
                    float[] inner = product(scope, left, right, rowStart, rowStart + rows, rowStart, panelEnd);
                    for (int c = r; c < tiles; c++) {
                        int columns = tileEdge(images, tileSize, c);
                        double[] block = new double[rows * columns];
                        if (c < endTile) {
                            copyBlock(inner, innerWidth, 0, (c - r) * tileSize, rows, columns, block);
                        } else {
                            copyBlock(outer, outerWidth, rowStart - panelStart, c * tileSize - panelEnd, rows, columns, block);
                        }
                        consumer.accept(r, c, rows, columns, block);
                    }
                }
            }
        }
    }

    /** Returns rows [rowFrom, rowTo) of {@code left} times rows [columnFrom, columnTo) of {@code right}, transposed. */
    private static float[] product(NDManager scope, NDArray left, NDArray right, int rowFrom, int rowTo,
                                   int columnFrom, int columnTo) {
        NDArray rows = left.get(new NDIndex("{}:{}", rowFrom, rowTo));
        NDArray columns = right.get(new NDIndex("{}:{}", columnFrom, columnTo));
        rows.attach(scope);
        columns.attach(scope);
        NDArray product = rows.matMul(columns.transpose());
        product.attach(scope);
        return product.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static void copyBlock(float[] source, int sourceWidth, int firstRow, int firstColumn, int rows, int columns,
                                  double[] block) {
        for (int i = 0; i < rows; i++) {
            int from = (firstRow + i) * sourceWidth + firstColumn;
            int to = i * columns;
            for (int j = 0; j < columns; j++) {
                block[to + j] = source[from + j];
            }
        }
    }

    /**
     * Returns the multiply-adds {@link #forEachTile(NDManager, float[], int, int, int, TileConsumer)}
     * performs: each tile row's panel against every image from that row on, so the lower triangle
     * of the diagonal tiles is computed too.
     */
    public static long multiplyAdds(int images, int neurons, int tileSize) {
        long total = 0;
        for (int r = 0; r < tileCount(images, tileSize); r++) {
            total += (long) tileEdge(images, tileSize, r) * (images - (long) r * tileSize) * neurons;
        }
        return total;
    }

    /** Returns the Gram diagonal {@code sum_n x_in^2} of images x neurons responses, in float64. */
    public static double[] diagonal(float[] responses, int images, int neurons) {
        double[] diagonal = new double[images];
        IntStream.range(0, images).parallel().forEach(i -> {
            double sum = 0;
            int row = i * neurons;
            for (int n = 0; n < neurons; n++) {
                double v = responses[row + n];
                sum += v * v;
            }
            diagonal[i] = sum;
        });
        return diagonal;
    }

    /**
     * Normalises a Gram block to centred cosine similarities. An entry whose image has a zero (or,
     * from rounding, negative) diagonal has no contributing neuron and becomes NaN.
     */
    public static float[] normalise(double[] block, double[] rowDiagonal, double[] columnDiagonal, int rows, int columns) {
        float[] similarity = new float[rows * columns];
        double[] columnScale = new double[columns];
        for (int j = 0; j < columns; j++) {
            columnScale[j] = columnDiagonal[j] > 0 ? 1.0 / Math.sqrt(columnDiagonal[j]) : Double.NaN;
        }
        for (int i = 0; i < rows; i++) {
            double rowScale = rowDiagonal[i] > 0 ? 1.0 / Math.sqrt(rowDiagonal[i]) : Double.NaN;
            int offset = i * columns;
            for (int j = 0; j < columns; j++) {
                double s = block[offset + j] * rowScale * columnScale[j];
                // Rounding can push a self-similarity a hair past 1; cosines are bounded.
                similarity[offset + j] = (float) Math.max(-1.0, Math.min(1.0, s));
                if (Double.isNaN(s)) {
                    similarity[offset + j] = Float.NaN;
                }
            }
        }
        return similarity;
    }

    /**
     * Computes the full centred cosine similarity matrix directly, in float64, from the already
     * centred and weighted responses of several sessions over one image set: the batch reference
     * the streamed tiles are checked against.
     *
     * @param sessions each images x neurons_s, row-major
     * @return images x images, row-major
     */
    public static double[] batchSimilarity(java.util.List<float[]> sessions, java.util.List<Integer> neuronCounts, int images) {
        double[] gram = new double[images * images];
        for (int s = 0; s < sessions.size(); s++) {
            float[] x = sessions.get(s);
            int neurons = neuronCounts.get(s);
            for (int i = 0; i < images; i++) {
                for (int j = i; j < images; j++) {
                    double sum = 0;
                    for (int n = 0; n < neurons; n++) {
                        sum += (double) x[i * neurons + n] * x[j * neurons + n];
                    }
                    gram[i * images + j] += sum;
                }
            }
        }
        double[] similarity = new double[images * images];
        for (int i = 0; i < images; i++) {
            for (int j = i; j < images; j++) {
                double d = gram[i * images + i] * gram[j * images + j];
                double s = d > 0 ? gram[i * images + j] / Math.sqrt(d) : Double.NaN;
                similarity[i * images + j] = s;
                similarity[j * images + i] = s;
            }
        }
        return similarity;
    }
}
