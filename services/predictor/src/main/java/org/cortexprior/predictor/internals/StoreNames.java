package org.cortexprior.predictor.internals;

/** Names of the predictor's state stores and the key layouts inside them. */
public final class StoreNames {

    /** Session id to {@code SessionProgress}. */
    public static final String SESSION_PROGRESS = "session-progress";
    /** {@link #trialBatchKey} to the {@code TrialBatch} bytes as received. */
    public static final String TRIAL_BATCHES = "trial-batches";
    /** Image id to {@code StimulusImage}. */
    public static final String STIMULI = "stimuli";
    /** Image-set id to {@code ImageSet}. */
    public static final String IMAGE_SETS = "image-sets";
    /** {@link #stagedKey} to {@code SessionPredictions} waiting for the rest of their generation. */
    public static final String STAGED_PREDICTIONS = "staged-predictions";
    /** {@link #chunkKey} to the {@code SessionPredictions} the Gram sums currently contain. */
    public static final String CURRENT_PREDICTIONS = "current-predictions";
    /** {@link #matrixSessionKey} to {@code AppliedPredictions}. */
    public static final String APPLIED_PREDICTIONS = "applied-predictions";
    /** Tile key (matrixId/row/column) to {@code TileAccumulator}. */
    public static final String TILES = "tiles";

    /** Image-set id of the union of all sessions' stimulus images. */
    public static final String UNION_IMAGE_SET = "union";
    /** Image-set id of the configured list. */
    public static final String LIST_IMAGE_SET = "list";
    /** Matrix id of the pooled denoised similarity. */
    public static final String NEURAL_MATRIX = "neural";
    /** Matrix id of the similarity of observed responses. */
    public static final String RAW_MATRIX = "raw";

    private StoreNames() {
    }

    /** Sorts a session's batches by index under a common prefix. */
    public static String trialBatchKey(String sessionId, long batchIndex) {
        return sessionId + "|" + String.format("%019d", batchIndex);
    }

    public static String trialBatchPrefix(String sessionId) {
        return sessionId + "|";
    }

    public static String matrixSessionKey(String matrixId, String sessionId) {
        return matrixId + "|" + sessionId;
    }

    public static String chunkKey(String matrixId, String sessionId, int chunk) {
        return matrixSessionKey(matrixId, sessionId) + "|" + String.format("%09d", chunk);
    }

    public static String stagedKey(String matrixId, String sessionId, long generation, int chunk) {
        return matrixSessionKey(matrixId, sessionId) + "|" + String.format("%019d", generation) + "|"
                + String.format("%09d", chunk);
    }

    public static String perSessionImageSet(String sessionId) {
        return "session/" + sessionId;
    }

    /** Returns the id of a session's own raw-response matrix in {@code per-session} mode. */
    public static String perSessionRawMatrix(String sessionId) {
        return RAW_MATRIX + "/" + sessionId;
    }

    public static String perSessionMatrix(String sessionId) {
        return NEURAL_MATRIX + "/" + sessionId;
    }

    /** Returns the generation number of a fit epoch over an image set of {@code imageCount} images; grows with both. */
    public static long generation(int epoch, int imageCount) {
        return ((long) epoch << 32) | imageCount;
    }
}
