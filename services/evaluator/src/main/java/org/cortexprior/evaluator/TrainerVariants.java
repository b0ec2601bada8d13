package org.cortexprior.evaluator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.trainer.ImageClassifier;
import org.cortexprior.trainer.Profile;
import org.cortexprior.trainer.SimilarityTarget;
import org.cortexprior.trainer.TrainedModels;
import org.cortexprior.trainer.TrainerConfig;
import org.cortexprior.trainer.TrainingRun;
import org.cortexprior.trainer.TrainingSummary;

import ai.djl.Device;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Trains experiment variants with the real trainer ({@link TrainingRun}). A variant name is a
 * similarity target ({@code neural}, {@code raw}, {@code shuffled}, {@code pixel},
 * {@code pixel-threshold}, {@code none}) or {@code blur}, which is the {@code none} target behind a
 * fixed Gaussian blur of {@link #BLUR_SIGMA} pixels. Each run writes to
 * {@code <outputRoot>/<variant>-seed<seed>/} and continues from a checkpoint found there.
 *
 * <p>Not thread-safe: {@link ExperimentRunner} calls it from one thread.
 */
public final class TrainerVariants implements VariantTrainer {

    /** Variant name of the blur control. */
    public static final String BLUR = "blur";

    /** Sigma in pixels of the blur control's front end (Gaussian blur at 32 x 32 pixels). */
    public static final double BLUR_SIGMA = 1.5;

    private final Path images;
    private final Profile profile;
    private final Path stimuli;
    private final Path outputRoot;
    private final KafkaSettings kafka;
    private final List<String> matrixIds;
    private final Duration matrixWait;
    private final MeterRegistry registry;
    private final Device device;
    private List<String> stimulusSessions = List.of();

    /**
     * @param images classification images (CIFAR binary directory, image folder or zip)
     * @param profile training profile
     * @param stimuli stimulus images for pixel targets, or null
     * @param outputRoot directory under which each run writes its own folder
     * @param kafka Kafka settings for streamed targets and training events, or null
     * @param matrixIds streamed matrix ids for {@code neural} (for example {@code neural/*}), or empty for the trainer's default
     * @param matrixWait how long a streamed run waits for its matrix
     * @param registry meter registry of the trainer's meters, or null
     * @param device device to train on, or null for the default (GPU when present)
     */
    public TrainerVariants(Path images, Profile profile, Path stimuli, Path outputRoot, KafkaSettings kafka,
                           List<String> matrixIds, Duration matrixWait, MeterRegistry registry, Device device) {
        this.images = images;
        this.profile = profile;
        this.stimuli = stimuli;
        this.outputRoot = outputRoot;
        this.kafka = kafka;
        this.matrixIds = List.copyOf(matrixIds);
        this.matrixWait = matrixWait;
        this.registry = registry;
        this.device = device;
    }

    /** Limits pixel targets from a stimulus recording to these sessions; empty (the default) for all. */
    public TrainerVariants stimulusSessions(List<String> sessions) {
        this.stimulusSessions = List.copyOf(sessions);
        return this;
    }

    /** Checks that every variant name is known; returns the names in lower case. */
    public static List<String> parseVariants(List<String> names) {
        return names.stream().map(n -> n.trim().toLowerCase(Locale.ROOT)).filter(n -> !n.isEmpty()).peek(n -> {
            if (!n.equals(BLUR)) {
                SimilarityTarget.parse(n);
            }
        }).toList();
    }

    @Override
    public TrainedVariant train(String variant, int seed) {
        boolean blur = variant.equals(BLUR);
        SimilarityTarget target = blur ? SimilarityTarget.NONE : SimilarityTarget.parse(variant);
        TrainerConfig.Builder builder = TrainerConfig.builder()
                .images(images)
                .target(target)
                .profile(profile)
                .seed(seed)
                .blurSigma(blur ? BLUR_SIGMA : 0)
                .outputDir(outputRoot.resolve(variant + "-seed" + seed))
                .runId(variant + "-seed" + seed)
                .resume(true);
        if (stimuli != null) {
            builder.stimuli(stimuli).stimulusSessions(stimulusSessions);
        }
        if (kafka != null) {
            builder.kafka(kafka);
        }
        if (target.isStreamed() && !matrixIds.isEmpty()) {
            builder.matrixIds(matrixIds);
        }
        if (matrixWait != null) {
            builder.matrixWaitTimeout(matrixWait);
        }
        if (registry != null) {
            builder.meterRegistry(registry);
        }
        if (device != null) {
            builder.device(device);
        }

        TrainingSummary summary = TrainingRun.run(builder.build());

        ImageClassifier classifier = TrainedModels.load(summary.checkpoint(),
                device != null ? device : TrainedModels.defaultDevice());
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("epochs", Integer.toString(summary.epochs()));
        facts.put("steps", Long.toString(summary.steps()));
        facts.put("training images", Integer.toString(summary.trainImages()));
        facts.put("validation accuracy", format(summary.validationAccuracy()));
        facts.put("cross-entropy first/last", format(summary.initialCrossEntropy()) + " / " + format(summary.finalCrossEntropy()));
        facts.put("similarity loss first/last", format(summary.initialSimilarityLoss()) + " / "
                + format(summary.finalSimilarityLoss()));
        facts.put("images/s", String.format(Locale.ROOT, "%.0f", summary.imagesPerSecond()));
        if (!summary.matrixVersions().isEmpty()) {
            facts.put("matrix versions", summary.matrixVersions().toString());
        }
        facts.put("checkpoint", summary.checkpoint().toAbsolutePath().toString());
        double[] taps = target == SimilarityTarget.NONE ? new double[0]
                : summary.tapWeights().stream().mapToDouble(Double::doubleValue).toArray();
        List<String> tapNames = taps.length == 0 ? List.of() : TAP_NAMES.subList(0, taps.length);
        return new TrainedVariant(classifier, tapNames, taps, facts);
    }

    /** Names of the five feature taps: after the stem and after each residual stage. */
    public static final List<String> TAP_NAMES = List.of("stem", "stage1", "stage2", "stage3", "stage4");

    private static String format(double value) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.4f", value);
    }
}
