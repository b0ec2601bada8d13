package org.cortexprior.predictor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.predictor.internals.GramMath;
import org.cortexprior.predictor.internals.RidgeFitter;
import org.cortexprior.predictor.internals.SessionFit;

/** Direct batch computations of the matrices the service streams, and tile assembly for comparison. */
final class BatchReference {

    private BatchReference() {
    }

    static double[] neural(SyntheticSessions data, List<String> imageSet, int inputSize, long seed) {
        List<float[]> sessions = new ArrayList<>();
        List<Integer> neurons = new ArrayList<>();
        for (SessionAnnouncement a : data.announcements) {
            SessionFit fit = SessionFit.fit(a, data.batchesOf(a.getSessionId()), data::stimulus, new RidgeFitter(seed),
                    inputSize, seed, 0.0);
            sessions.add(fit.neuralResponses(imageSet, data::stimulus));
            neurons.add(fit.neuronCount());
        }
        return GramMath.batchSimilarity(sessions, neurons, imageSet.size());
    }

    static double[] raw(SyntheticSessions data, List<String> imageSet) {
        List<float[]> sessions = new ArrayList<>();
        List<Integer> neurons = new ArrayList<>();
        for (SessionAnnouncement a : data.announcements) {
            sessions.add(SessionFit.rawResponses(a, data.batchesOf(a.getSessionId()), imageSet));
            neurons.add(a.getNeurons().size());
        }
        return GramMath.batchSimilarity(sessions, neurons, imageSet.size());
    }

    /** Fills the full matrix from the latest tile per key; entries no tile covers stay -2. */
    static double[] assemble(Map<String, SimilarityTile> latest, String matrixId, int images) {
        double[] matrix = new double[images * images];
        java.util.Arrays.fill(matrix, -2);
        for (SimilarityTile tile : latest.values()) {
            if (!tile.getMatrixId().equals(matrixId)) {
                continue;
            }
            ByteBuffer values = tile.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < tile.getRows(); i++) {
                for (int j = 0; j < tile.getColumns(); j++) {
                    int row = tile.getTileRow() * tile.getTileSize() + i;
                    int column = tile.getTileColumn() * tile.getTileSize() + j;
                    float v = values.getFloat(values.position() + (i * tile.getColumns() + j) * 4);
                    matrix[row * images + column] = v;
                    matrix[column * images + row] = v;
                }
            }
        }
        return matrix;
    }

    /** Maximum absolute difference; a NaN on one side only counts as infinite. */
    static double maxAbsDiff(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(a[i]) && Double.isNaN(b[i])) {
                continue;
            }
            double d = Math.abs(a[i] - b[i]);
            max = Math.max(max, Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
        }
        return max;
    }
}
