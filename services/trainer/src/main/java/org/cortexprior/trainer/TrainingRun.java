package org.cortexprior.trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.cortexprior.avro.TrainingEventType;
import org.cortexprior.trainer.internals.ClassificationData;
import org.cortexprior.trainer.internals.ClassificationDataReader;
import org.cortexprior.trainer.internals.MatrixSet;
import org.cortexprior.trainer.internals.PairSource;
import org.cortexprior.trainer.internals.PixelSimilarity;
import org.cortexprior.trainer.internals.RecordingStimuli;
import org.cortexprior.trainer.internals.SimilarityMatrix;
import org.cortexprior.trainer.internals.StimulusSet;
import org.cortexprior.trainer.internals.StreamedMatrices;
import org.cortexprior.trainer.internals.TrainerLoop;
import org.cortexprior.trainer.internals.TrainingStep;
import org.cortexprior.trainer.internals.TrainerMetrics;
import org.cortexprior.trainer.internals.TrainingEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import ai.djl.Device;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Runs one training run from a {@link TrainerConfig} to a {@link TrainingSummary}: reads the
 * classification images, builds the similarity target (pixel targets from the stimulus images,
 * streamed targets from the similarity topic), trains, keeps the best checkpoint, exports the
 * weights and writes {@code summary.json} to the output directory. A run whose output directory
 * holds a checkpoint of the same configuration continues from it.
 *
 * <p>Blocking; call from one thread. Training events go to the training-events topic when Kafka
 * settings are given.
 */
public final class TrainingRun {

    private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);

    private TrainingRun() {
    }

    /** Trains and returns the summary; also written to {@code summary.json} in the output directory. */
    public static TrainingSummary run(TrainerConfig config) {
        java.util.List<Device> devices = config.devices().isEmpty() ? TrainedModels.defaultDevices() : config.devices();
        if (config.intraOpThreads() > 0) {
            // The engine loads libtorch, which JniUtils calls into.
            ai.djl.engine.Engine.getInstance();
            ai.djl.pytorch.jni.JniUtils.setNumThreads(config.intraOpThreads());
            log.info("[trainer run={}] libtorch intra-op threads set to {}", config.runId(), config.intraOpThreads());
        }
        TrainingParameters p = config.parameters();
        ClassificationData data = ClassificationDataReader.read(config.images(), new ClassificationDataReader.Selection(
                p.imageSize(), p.trainImages(), p.testImages(), p.validationFraction(), config.seed()));
        MeterRegistry registry = config.meterRegistry() != null ? config.meterRegistry() : new SimpleMeterRegistry();
        TrainerMetrics metrics = new TrainerMetrics(registry, config.runId());
        for (Device device : devices) {
            if (device.isGpu()) {
                // NOTE: only exercised on machines with a CUDA GPU; CPU-only builds never register it.
                io.micrometer.core.instrument.Gauge.builder("trainer.gpu.memory.used",
                                () -> ai.djl.util.cuda.CudaUtils.getGpuMemory(device).getUsed())
                        .description("GPU memory in use as CUDA reports it")
                        .baseUnit("bytes")
                        .tag("device", device.toString())
                        .register(registry);
            }
        }

        try (TrainingEvents events = config.kafka() != null ? TrainingEvents.kafka(config.runId(), config.kafka())
                : TrainingEvents.none();
             PairSource pairs = pairSource(config, data)) {
            try {
                TrainingSummary summary = new TrainerLoop(config, data, pairs, events, metrics, devices,
                        TrainingStep.PairMode.REGULARISE).run();
                writeSummary(config.outputDir().resolve("summary.json"), summary);
                return summary;
            } catch (RuntimeException e) {
                events.send(TrainingEventType.FAILED, 0, 0, java.util.Map.of(), null, e.toString());
                throw e;
            }
        }
    }

    /** Builds the pair source of the configured target. */
    static PairSource pairSource(TrainerConfig config, ClassificationData data) {
        TrainingParameters p = config.parameters();
        if (config.target().isStreamed()) {
            return StreamedMatrices.start(config, p.stimulusResolution());
        }
        if (config.target() == SimilarityTarget.NONE) {
            return new MatrixSet(new StimulusSet(p.stimulusResolution()), 0);
        }
        StimulusSet stimuli;
        if (config.stimuli() != null && RecordingStimuli.isRecording(config.stimuli())) {
            return recordingPixelTargets(config, p);
        }
        if (config.stimuli() != null) {
            stimuli = StimulusSet.readImages(config.stimuli(), p.stimulusResolution());
        } else {
            log.info("[trainer run={}] No stimulus source given; using {} training images as the stimulus set",
                    config.runId(), Math.min(p.stimulusImages(), data.train().size()));
            stimuli = StimulusSet.fromClassification(data.train(), p.stimulusImages(), p.stimulusResolution());
        }
        SimilarityMatrix pixel = PixelSimilarity.centredCosine("pixel", stimuli);
        MatrixSet set = new MatrixSet(stimuli, 0);
        if (config.target() == SimilarityTarget.PIXEL) {
            set.put(pixel);
        } else {
            set.put(PixelSimilarity.thresholded("pixel-threshold", pixel, p.pixelThreshold()));
        }
        log.info("[trainer run={}] Target {} over {} stimulus images at {}x{} pixels", config.runId(),
                config.target().cliName(), stimuli.size(), p.stimulusResolution(), p.stimulusResolution());
        return set;
    }

    /**
     * Builds one pixel target per session of a recording ({@code pixel/<sessionId>} or
     * {@code pixel-threshold/<sessionId>}), each over that session's own images, as the per-session
     * neural matrices are; pairs are then drawn within a session.
     */
    private static PairSource recordingPixelTargets(TrainerConfig config, TrainingParameters p) {
        StimulusSet all = new StimulusSet(p.stimulusResolution());
        java.util.Map<String, java.util.List<String>> sessions = RecordingStimuli.read(config.stimuli(), all,
                config.stimulusSessions());
        MatrixSet set = new MatrixSet(all, 0);
        String name = config.target().cliName();
        for (java.util.Map.Entry<String, java.util.List<String>> session : sessions.entrySet()) {
            if (session.getValue().size() < 2) {
                continue;
            }
            SimilarityMatrix pixel = PixelSimilarity.centredCosine(name + "/" + session.getKey(),
                    all.subset(session.getValue()));
            set.put(config.target() == SimilarityTarget.PIXEL ? pixel
                    : PixelSimilarity.thresholded(name + "/" + session.getKey(), pixel, p.pixelThreshold()));
        }
        if (set.eligible().isEmpty()) {
            throw new org.cortexprior.cli.InvalidInputException("Recording " + config.stimuli()
                    + " has no session with at least 2 stimulus images to form pairs");
        }
        log.info("[trainer run={}] Target {} over {} sessions of {} ({} stimulus images at {}x{} pixels)",
                config.runId(), name, sessions.size(), config.stimuli(), all.size(), p.stimulusResolution(),
                p.stimulusResolution());
        return set;
    }

    static void writeSummary(Path file, TrainingSummary summary) {
        try {
            Files.createDirectories(file.getParent());
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Files.writeString(file, json.writeValueAsString(summary));
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to write the run summary " + file + ": " + e.getMessage(), e);
        }
    }

    /** Returns the summary as JSON text, as written to {@code summary.json}. */
    public static String toJson(TrainingSummary summary) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
