package org.cortexprior.trainer.internals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Draws pair batches from several similarity matrices over stimulus images: each pair's matrix is
 * chosen in proportion to its number of covered pairs, then a covered pair is drawn within it.
 * Matrices below the minimum coverage are skipped, and pairs whose images have not arrived are
 * redrawn. Not thread-safe: the training thread owns it.
 */
public class MatrixSet implements PairSource {

    private final Map<String, SimilarityMatrix> matrices = new LinkedHashMap<>();
    private final StimulusSet stimuli;
    private final double minCoverage;

    public MatrixSet(StimulusSet stimuli, double minCoverage) {
        this.stimuli = stimuli;
        this.minCoverage = minCoverage;
    }

    /** Adds or replaces a matrix. */
    public void put(SimilarityMatrix matrix) {
        matrices.put(matrix.matrixId(), matrix);
    }

    public SimilarityMatrix get(String matrixId) {
        return matrices.get(matrixId);
    }

    public StimulusSet stimuli() {
        return stimuli;
    }

    @Override
    public boolean refresh() {
        return false;
    }

    /** Returns the matrices pairs may be drawn from now. */
    public List<SimilarityMatrix> eligible() {
        List<SimilarityMatrix> result = new ArrayList<>();
        for (SimilarityMatrix m : matrices.values()) {
            if (m.coveredPairs() > 0 && m.coverage() >= minCoverage) {
                result.add(m);
            }
        }
        return result;
    }

    @Override
    public PairBatch draw(Random random, int pairs) {
        List<SimilarityMatrix> eligible = eligible();
        if (eligible.isEmpty()) {
            return null;
        }
        double[] cumulative = new double[eligible.size()];
        double total = 0;
        for (int m = 0; m < eligible.size(); m++) {
            total += eligible.get(m).coveredPairs();
            cumulative[m] = total;
        }

        int r = stimuli.resolution();
        int plane = r * r;
        float[] pixels = new float[2 * pairs * plane];
        float[] targets = new float[pairs];
        for (int p = 0; p < pairs; p++) {
            boolean found = false;
            for (int attempt = 0; attempt < 100 && !found; attempt++) {
                double u = random.nextDouble() * total;
                int m = 0;
                while (m < cumulative.length - 1 && u >= cumulative[m]) {
                    m++;
                }
                SimilarityMatrix matrix = eligible.get(m);
                int[] pair = matrix.drawPair(random);
                if (pair == null) {
                    continue;
                }
                byte[] first = stimuli.get(matrix.imageIds().get(pair[0]));
                byte[] second = stimuli.get(matrix.imageIds().get(pair[1]));
                if (first == null || second == null) {
                    continue;
                }
                copy(first, pixels, p * plane);
                copy(second, pixels, (pairs + p) * plane);
                targets[p] = matrix.get(pair[0], pair[1]);
                found = true;
            }
            if (!found) {
                return null;
            }
        }
        return new PairBatch(pixels, targets, pairs, r);
    }

    private static void copy(byte[] plane, float[] into, int offset) {
        for (int i = 0; i < plane.length; i++) {
            into[offset + i] = (plane[i] & 0xff) / 255f;
        }
    }

    @Override
    public Map<String, Long> versions() {
        Map<String, Long> result = new LinkedHashMap<>();
        matrices.forEach((id, m) -> result.put(id, m.version()));
        return result;
    }

    @Override
    public Map<String, Double> coverage() {
        Map<String, Double> result = new LinkedHashMap<>();
        matrices.forEach((id, m) -> result.put(id, m.coverage()));
        return result;
    }
}
