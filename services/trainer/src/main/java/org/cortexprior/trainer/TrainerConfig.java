package org.cortexprior.trainer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.cortexprior.kafka.KafkaSettings;

import ai.djl.Device;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Everything one training run needs. Build with {@link #builder()}; immutable and thread-safe.
 *
 * <pre>{@code
 * TrainerConfig config = TrainerConfig.builder()
 *         .images(Path.of("cifar10-jpeg.zip"))
 *         .target(SimilarityTarget.PIXEL_THRESHOLD)
 *         .profile(Profile.CPU)
 *         .seed(1)
 *         .outputDir(Path.of("runs/pixel-threshold-1"))
 *         .build();
 * TrainingSummary summary = TrainingRun.run(config);
 * }</pre>
 */
public final class TrainerConfig {

    private final Path images;
    private final SimilarityTarget target;
    private final Profile profile;
    private final TrainingParameters parameters;
    private final long seed;
    private final double blurSigma;
    private final Path stimuli;
    private final java.util.List<String> stimulusSessions;
    private final Path outputDir;
    private final KafkaSettings kafka;
    private final List<String> matrixIds;
    private final double minCoverage;
    private final Duration matrixWaitTimeout;
    private final MeterRegistry meterRegistry;
    private final java.util.List<Device> devices;
    private final String runId;
    private final boolean resume;
    private final TrainingListener listener;
    private final int intraOpThreads;

    private TrainerConfig(Builder b) {
        this.images = Objects.requireNonNull(b.images, "images path is required");
        this.target = b.target;
        this.profile = b.profile;
        this.parameters = b.parameters != null ? b.parameters : b.profile.parameters();
        this.seed = b.seed;
        this.blurSigma = b.blurSigma;
        this.stimuli = b.stimuli;
        this.stimulusSessions = b.stimulusSessions == null ? java.util.List.of() : java.util.List.copyOf(b.stimulusSessions);
        this.outputDir = Objects.requireNonNull(b.outputDir, "output directory is required");
        this.kafka = b.kafka;
        this.matrixIds = b.matrixIds != null ? List.copyOf(b.matrixIds) : defaultMatrixIds(b.target);
        this.minCoverage = b.minCoverage;
        this.matrixWaitTimeout = b.matrixWaitTimeout;
        this.meterRegistry = b.meterRegistry;
        this.devices = java.util.List.copyOf(b.devices);
        this.runId = b.runId != null ? b.runId
                : target.cliName() + "-" + profile.name().toLowerCase(java.util.Locale.ROOT) + "-seed" + seed;
        this.resume = b.resume;
        this.listener = b.listener;
        this.intraOpThreads = b.intraOpThreads;
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intra-op threads must be >= 0, got " + intraOpThreads);
        }
        if (blurSigma < 0) {
            throw new IllegalArgumentException("blur sigma must be >= 0, got " + blurSigma);
        }
        if (!(minCoverage >= 0 && minCoverage <= 1)) {
            throw new IllegalArgumentException("minimum coverage must be in [0, 1], got " + minCoverage);
        }
        if (target.isStreamed() && kafka == null) {
            throw new IllegalArgumentException("The " + target.cliName()
                    + " target needs the similarity stream: give the Kafka bootstrap servers");
        }
    }

    private static List<String> defaultMatrixIds(SimilarityTarget target) {
        return switch (target) {
            case RAW -> List.of("raw");
            case NEURAL, SHUFFLED -> List.of("neural");
            default -> List.of();
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Classification images: a CIFAR-10/100 binary directory, an image folder or a zip of one. */
    public Path images() {
        return images;
    }

    public SimilarityTarget target() {
        return target;
    }

    public Profile profile() {
        return profile;
    }

    /** The profile's parameters with any overrides applied. */
    public TrainingParameters parameters() {
        return parameters;
    }

    /** Seed of weight initialisation, data subsets and order, augmentation and pair draws. */
    public long seed() {
        return seed;
    }

    /** Sigma in pixels of the fixed Gaussian blur in front of the network; 0 for none. */
    public double blurSigma() {
        return blurSigma;
    }

    /** Stimulus images (folder or zip) for targets computed from pixels, or null. */
    public Path stimuli() {
        return stimuli;
    }

    /**
     * Sessions of a stimulus recording whose images form pixel targets, by canonical id or session
     * part; empty for every session.
     */
    public java.util.List<String> stimulusSessions() {
        return stimulusSessions;
    }

    public Path outputDir() {
        return outputDir;
    }

    /** Kafka client settings, or null to run without Kafka (no streamed targets, no training events). */
    public KafkaSettings kafka() {
        return kafka;
    }

    /**
     * Ids of the streamed matrices to regularise with; an id ending in {@code *} matches every
     * matrix id with that prefix (for example {@code neural/*} for per-session matrices).
     */
    public List<String> matrixIds() {
        return matrixIds;
    }

    /** Fraction of a streamed matrix's pairs that must be covered before pairs are drawn from it. */
    public double minCoverage() {
        return minCoverage;
    }

    /** How long a streamed run waits at start for a matrix to reach the minimum coverage. */
    public Duration matrixWaitTimeout() {
        return matrixWaitTimeout;
    }

    /** Registry for the trainer's meters, or null for a private one. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /**
     * Devices to train on; the first keeps the model, and several split each batch between them.
     * Empty for {@link TrainedModels#defaultDevices()}.
     */
    public java.util.List<Device> devices() {
        return devices;
    }

    /** Key of the run's training events. */
    public String runId() {
        return runId;
    }

    /** Whether to continue from a checkpoint in the output directory when one exists. */
    public boolean resume() {
        return resume;
    }

    /** Receiver of progress callbacks, or null. */
    public TrainingListener listener() {
        return listener;
    }

    /**
     * Threads libtorch uses inside one operation on the CPU (default 1), or 0 for libtorch's
     * default of one per core. The setting applies to the whole process. On a 2-core machine
     * shared with other busy processes, one thread was several times faster than two. A
     * {@code cpu}-profile run took 52 s with 1 thread and 207 s with 2 at a load average of 4 to
     * 7. At a load average near 18, one step took 0.85 s with 1 thread and 7.8 s with 2, most
     * likely because each parallel operation waits until both threads have been scheduled.
     */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** Builder of {@link TrainerConfig}; not thread-safe. */
    public static final class Builder {
        private Path images;
        private SimilarityTarget target = SimilarityTarget.NONE;
        private Profile profile = Profile.CPU;
        private TrainingParameters parameters;
        private long seed = 1;
        private double blurSigma;
        private Path stimuli;
        private java.util.List<String> stimulusSessions;
        private Path outputDir;
        private KafkaSettings kafka;
        private List<String> matrixIds;
        private double minCoverage = 0.25;
        private Duration matrixWaitTimeout = Duration.ofMinutes(10);
        private MeterRegistry meterRegistry;
        private java.util.List<Device> devices = java.util.List.of();
        private String runId;
        private boolean resume = true;
        private TrainingListener listener;
        private int intraOpThreads = 1;

        public Builder images(Path images) {
            this.images = images;
            return this;
        }

        public Builder target(SimilarityTarget target) {
            this.target = Objects.requireNonNull(target);
            return this;
        }

        public Builder profile(Profile profile) {
            this.profile = Objects.requireNonNull(profile);
            return this;
        }

        /** Replaces the profile's parameters entirely. */
        public Builder parameters(TrainingParameters parameters) {
            this.parameters = parameters;
            return this;
        }

        /** Overrides single parameters of the profile by name, see {@link TrainingParameters#withOverrides}. */
        public Builder overrides(Map<String, String> overrides) {
            TrainingParameters base = parameters != null ? parameters : profile.parameters();
            this.parameters = base.withOverrides(overrides);
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder blurSigma(double sigma) {
            this.blurSigma = sigma;
            return this;
        }

        /** Limits a stimulus recording to these sessions (canonical ids or session parts); empty for all. */
        public Builder stimulusSessions(java.util.List<String> sessions) {
            this.stimulusSessions = sessions;
            return this;
        }

        public Builder stimuli(Path stimuli) {
            this.stimuli = stimuli;
            return this;
        }

        public Builder outputDir(Path outputDir) {
            this.outputDir = outputDir;
            return this;
        }

        public Builder bootstrapServers(String bootstrapServers) {
            this.kafka = bootstrapServers == null ? null : KafkaSettings.of(bootstrapServers);
            return this;
        }

        public Builder kafka(KafkaSettings kafka) {
            this.kafka = kafka;
            return this;
        }

        public Builder matrixIds(List<String> matrixIds) {
            this.matrixIds = matrixIds;
            return this;
        }

        public Builder minCoverage(double minCoverage) {
            this.minCoverage = minCoverage;
            return this;
        }

        public Builder matrixWaitTimeout(Duration timeout) {
            this.matrixWaitTimeout = timeout;
            return this;
        }

        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        /** Trains on one device. */
        public Builder device(Device device) {
            this.devices = java.util.List.of(device);
            return this;
        }

        /**
         * Trains on these devices, data-parallel: each step's batch and pairs are split between
         * them, and the first device keeps the model that is updated and saved.
         */
        public Builder devices(java.util.List<Device> devices) {
            if (devices.isEmpty() || new java.util.HashSet<>(devices).size() != devices.size()) {
                throw new IllegalArgumentException("devices must be distinct and at least one, not " + devices);
            }
            this.devices = java.util.List.copyOf(devices);
            return this;
        }

        public Builder runId(String runId) {
            this.runId = runId;
            return this;
        }

        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        public Builder listener(TrainingListener listener) {
            this.listener = listener;
            return this;
        }

        /** Sets the intra-op threads of libtorch on the CPU (default 1); 0 keeps libtorch's default. */
        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = threads;
            return this;
        }

        public TrainerConfig build() {
            return new TrainerConfig(this);
        }
    }
}
