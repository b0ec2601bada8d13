package org.cortexprior.trainer.internals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A symmetric similarity matrix over an ordered image set, filled tile by tile; NaN marks pairs
 * not covered yet. Tracks its coverage and a version (the sum of the versions of the tiles it
 * holds, so it grows with every tile update and does not depend on arrival order).
 *
 * <p>Not thread-safe: the training thread owns it and applies updates between steps.
 */
public final class SimilarityMatrix {

    private final String matrixId;
    private final List<String> imageIds;
    private final int n;
    private final float[] values;
    private final java.util.Map<Long, Long> tileVersions = new java.util.HashMap<>();
    private long version;
    private long coveredPairs;
    private int[] coveredImages = new int[0];
    private boolean coveredImagesStale = true;

    public SimilarityMatrix(String matrixId, List<String> imageIds) {
        this.matrixId = matrixId;
        this.imageIds = List.copyOf(imageIds);
        this.n = imageIds.size();
        this.values = new float[n * n];
        Arrays.fill(values, Float.NaN);
    }

    /** Creates a complete matrix from a dense row-major array (copied), for computed targets. */
    public static SimilarityMatrix dense(String matrixId, List<String> imageIds, float[] dense) {
        SimilarityMatrix m = new SimilarityMatrix(matrixId, imageIds);
        m.setBlock(0, 0, m.n, m.n, dense, 1);
        return m;
    }

    public String matrixId() {
        return matrixId;
    }

    public List<String> imageIds() {
        return imageIds;
    }

    public int imageCount() {
        return n;
    }

    public long version() {
        return version;
    }

    public float get(int i, int j) {
        return values[i * n + j];
    }

    /** Returns the number of off-diagonal pairs (i < j) with a finite value. */
    public long coveredPairs() {
        return coveredPairs;
    }

    /** Returns the fraction of off-diagonal pairs with a finite value, in [0, 1]. */
    public double coverage() {
        long total = (long) n * (n - 1) / 2;
        return total == 0 ? 0 : (double) coveredPairs / total;
    }

    /**
     * Writes a tile (row-major {@code rows x columns} at {@code (rowStart, columnStart)}) and its
     * mirror image, and records its version under the tile key.
     */
    public void applyTile(int tileRow, int tileColumn, int tileSize, int rows, int columns, float[] tile, long tileVersion) {
        setBlock(tileRow * tileSize, tileColumn * tileSize, rows, columns, tile, 0);
        long key = ((long) tileRow << 32) | (tileColumn & 0xffffffffL);
        Long previous = tileVersions.put(key, tileVersion);
        version += tileVersion - (previous == null ? 0 : previous);
    }

    private void setBlock(int rowStart, int columnStart, int rows, int columns, float[] block, long addVersion) {
        if (rowStart + rows > n || columnStart + columns > n || block.length != rows * columns) {
            throw new IllegalArgumentException("Block " + rows + "x" + columns + " at (" + rowStart + ", " + columnStart
                    + ") does not fit matrix " + matrixId + " of " + n + " images");
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                int i = rowStart + r;
                int j = columnStart + c;
                float v = block[r * columns + c];
                if (i == j) {
                    values[i * n + j] = v;
                    continue;
                }
                // Count each unordered pair once, whichever of its two cells this block writes.
                float old = values[i * n + j];
                boolean wasFinite = Float.isFinite(old);
                boolean isFinite = Float.isFinite(v);
                if (wasFinite != isFinite) {
                    coveredPairs += isFinite ? 1 : -1;
                }
                values[i * n + j] = v;
                values[j * n + i] = v;
            }
        }
        version += addVersion;
        coveredImagesStale = true;
    }

    /** Returns the indices of images that have at least one finite off-diagonal value. */
    public int[] coveredImages() {
        if (coveredImagesStale) {
            List<Integer> covered = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (i != j && Float.isFinite(values[i * n + j])) {
                        covered.add(i);
                        break;
                    }
                }
            }
            coveredImages = covered.stream().mapToInt(Integer::intValue).toArray();
            coveredImagesStale = false;
        }
        return coveredImages;
    }

    /**
     * Draws a covered pair {@code (i, j)}, {@code i != j}, uniformly among covered images with
     * rejection of uncovered pairs; returns null when no covered pair is found within 1,000 tries.
     */
    public int[] drawPair(Random random) {
        int[] covered = coveredImages();
        if (covered.length < 2) {
            return null;
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            int i = covered[random.nextInt(covered.length)];
            int j = covered[random.nextInt(covered.length)];
            if (i != j && Float.isFinite(values[i * n + j])) {
                return new int[] {i, j};
            }
        }
        return null;
    }

    /** Returns a copy with rows and columns permuted together by a seeded random permutation. */
    public SimilarityMatrix shuffled(String newId, long seed) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int k = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[k];
            perm[k] = t;
        }
        float[] permuted = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                permuted[i * n + j] = values[perm[i] * n + perm[j]];
            }
        }
        SimilarityMatrix copy = dense(newId, imageIds, permuted);
        copy.version = version;
        return copy;
    }
}
