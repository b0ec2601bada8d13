package org.cortexprior.predictor;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.cortexprior.kafka.Topics;
import org.cortexprior.runtime.ServiceConfig;

/**
 * Configuration keys of the predictor service and their parsed values. Keys are read from a
 * {@link ServiceConfig}, so each can be set with {@code --set KEY=VALUE}, a
 * {@code CORTEXPRIOR_*} environment variable or the {@code --config} file. Keys starting with
 * {@code streams.} pass through to Kafka Streams with the prefix removed (for example
 * {@code streams.num.stream.threads=2}); {@code processing.guarantee} is always
 * {@code exactly_once_v2}.
 *
 * <p>Immutable and thread-safe.
 */
public final class PredictorConfig {

    /** Kafka Streams application id; also prefixes the predictor's own topics. Default {@code cortexprior-predictor}. */
    public static final String APPLICATION_ID = "predictor.application.id";
    /**
     * Regularisation image set: {@code union} (all sessions' stimulus images, in announcement
     * order), {@code list} (the ids in {@link #IMAGE_SET_IDS}) or {@code per-session} (each
     * session's own images, as matrices {@code neural/<sessionId>} and {@code raw/<sessionId>}). Default {@code union}.
     */
    public static final String IMAGE_SET = "predictor.image-set";
    /** Comma-separated image ids of the {@code list} image set. */
    public static final String IMAGE_SET_IDS = "predictor.image-set.ids";
    /** Edge length of a similarity tile, in images. Default 256. */
    public static final String TILE_SIZE = "predictor.tile.size";
    /** New trials of a session after which its model is refitted; it is also fitted at session end. Default 5000. */
    public static final String REFIT_TRIALS = "predictor.refit.trials";
    /** Predictive model: {@code cnn}, {@code ridge} (random convolutional features) or {@code savedmodel}. Default {@code cnn}. */
    public static final String MODEL = "predictor.model";
    /** Directory of a TensorFlow SavedModel used when {@link #MODEL} is {@code savedmodel}. */
    public static final String SAVED_MODEL_PATH = "predictor.savedmodel.path";
    /**
     * Edge length in pixels that stimulus images are resized to (grayscale) for the model. Default 16
     * for {@code cnn}, whose fit time grows with the square of it, and 32 for the other models.
     */
    public static final String INPUT_SIZE = "predictor.input.size";
    /** Neurons whose held-out prediction correlation is at or below this drop out. Default 0.0. */
    public static final String MIN_CORRELATION = "predictor.min.correlation";
    /** Trial batches larger than this many bytes go to the dead-letter topic. Default 8 MiB. */
    public static final String MAX_RECORD_BYTES = "predictor.max.record.bytes";
    /** How often the fit worker looks for sessions that need a fit, in milliseconds. Default 500. */
    public static final String WORKER_INTERVAL_MS = "predictor.worker.interval.ms";
    /** Partitions of the predictor's own topics when it creates them. Default 2. */
    public static final String PARTITIONS = "predictor.partitions";
    /** Seed of the model initialisation and of the held-out split. Default 7. */
    public static final String SEED = "predictor.seed";

    /** Prefix of keys passed through to Kafka Streams. */
    public static final String STREAMS_PREFIX = "streams.";

    /** Regularisation image-set modes. */
    public enum ImageSetMode { UNION, LIST, PER_SESSION }

    private final ServiceConfig config;
    private final String applicationId;
    private final ImageSetMode imageSetMode;
    private final List<String> imageSetIds;
    private final int tileSize;
    private final long refitTrials;
    private final String model;
    private final int inputSize;
    private final double minCorrelation;
    private final int maxRecordBytes;
    private final long workerIntervalMs;
    private final int partitions;
    private final long seed;

    public PredictorConfig(ServiceConfig config) {
        this.config = config;
        this.applicationId = config.getString(APPLICATION_ID, "cortexprior-predictor");
        String mode = config.getString(IMAGE_SET, "union").trim().toLowerCase(Locale.ROOT);
        this.imageSetMode = switch (mode) {
            case "union" -> ImageSetMode.UNION;
            case "list" -> ImageSetMode.LIST;
            case "per-session" -> ImageSetMode.PER_SESSION;
            default -> throw invalid(IMAGE_SET, mode, "union, list or per-session");
        };
        String ids = config.getString(IMAGE_SET_IDS, "");
        this.imageSetIds = Arrays.stream(ids.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (imageSetMode == ImageSetMode.LIST && imageSetIds.isEmpty()) {
            throw invalid(IMAGE_SET_IDS, ids, "a comma-separated list of image ids when " + IMAGE_SET + "=list");
        }
        this.tileSize = positive(TILE_SIZE, config.getInt(TILE_SIZE, 256));
        this.refitTrials = positive(REFIT_TRIALS, config.getLong(REFIT_TRIALS, 5000));
        this.model = config.getString(MODEL, "cnn").trim().toLowerCase(Locale.ROOT);
        if (!List.of("cnn", "ridge", "savedmodel").contains(model)) {
            throw invalid(MODEL, model, "cnn, ridge or savedmodel");
        }
        this.inputSize = positive(INPUT_SIZE, config.getInt(INPUT_SIZE, model.equals("cnn") ? 16 : 32));
        this.minCorrelation = config.getDouble(MIN_CORRELATION, 0.0);
        this.maxRecordBytes = positive(MAX_RECORD_BYTES, config.getInt(MAX_RECORD_BYTES, Math.min(8 << 20, Topics.MAX_MESSAGE_BYTES)));
        this.workerIntervalMs = positive(WORKER_INTERVAL_MS, config.getLong(WORKER_INTERVAL_MS, 500));
        this.partitions = positive(PARTITIONS, config.getInt(PARTITIONS, 2));
        this.seed = config.getLong(SEED, 7);
    }

    private static int positive(String key, int value) {
        if (value <= 0) {
            throw invalid(key, Integer.toString(value), "a positive integer");
        }
        return value;
    }

    private static long positive(String key, long value) {
        if (value <= 0) {
            throw invalid(key, Long.toString(value), "a positive integer");
        }
        return value;
    }

    private static IllegalArgumentException invalid(String key, String value, String expected) {
        return new IllegalArgumentException("Invalid configuration " + key + "='" + value + "': expected " + expected);
    }

    public ServiceConfig serviceConfig() {
        return config;
    }

    public String applicationId() {
        return applicationId;
    }

    public ImageSetMode imageSetMode() {
        return imageSetMode;
    }

    public List<String> imageSetIds() {
        return imageSetIds;
    }

    public int tileSize() {
        return tileSize;
    }

    public long refitTrials() {
        return refitTrials;
    }

    public String model() {
        return model;
    }

    public String savedModelPath() {
        return config.require(SAVED_MODEL_PATH);
    }

    public int inputSize() {
        return inputSize;
    }

    public double minCorrelation() {
        return minCorrelation;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    public long workerIntervalMs() {
        return workerIntervalMs;
    }

    public int partitions() {
        return partitions;
    }

    public long seed() {
        return seed;
    }

    /** Topic on which the fit worker publishes session responses to the aggregation. */
    public String predictionsTopic() {
        return applicationId + ".session-predictions";
    }

    /** Topic carrying Gram contributions keyed by tile. */
    public String contributionsTopic() {
        return applicationId + ".contributions";
    }

    /** Topic carrying announcements to the single image-set processor. */
    public String announcedImagesTopic() {
        return applicationId + ".announced-images";
    }
}
