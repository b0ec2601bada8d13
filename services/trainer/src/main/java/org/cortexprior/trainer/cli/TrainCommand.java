package org.cortexprior.trainer.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.cortexprior.cli.CliCommand;
import org.cortexprior.cli.ExitCodes;
import org.cortexprior.cli.KafkaOptions;
import org.cortexprior.cli.ProgressBar;
import org.cortexprior.runtime.ServiceConfig;
import org.cortexprior.runtime.ServiceRuntime;
import org.cortexprior.trainer.Profile;
import org.cortexprior.trainer.SimilarityTarget;
import org.cortexprior.trainer.TrainerConfig;
import org.cortexprior.trainer.TrainingListener;
import org.cortexprior.trainer.TrainingRun;
import org.cortexprior.trainer.TrainingSummary;

import ai.djl.Device;
import ai.djl.engine.Engine;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cortexprior train}: trains a classifier with the similarity regulariser (or a control) and
 * writes the best checkpoint, the exported weights and {@code summary.json} to {@code --out}.
 *
 * <p>Example, on 2 CPU cores in a few minutes:
 * {@code bin/cortexprior train --images cifar10-jpeg.zip --target pixel-threshold --profile cpu --out runs/px}.
 * Training parameters of the profile can be overridden with {@code --set trainer.epochs=2}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a grayscale ResNet-18 classifier regularised toward a similarity target. "
                + "Targets neural, raw and shuffled read the similarity topic and need --bootstrap-servers; "
                + "pixel, pixel-threshold and none run standalone. Prints a JSON summary with --json.")
public final class TrainCommand implements CliCommand {

    @Option(names = "--images", required = true, paramLabel = "PATH",
            description = "Classification images: CIFAR-10/100 binary directory, image folder, or a zip of one.")
    Path images;

    @Option(names = "--target", required = true, paramLabel = "NAME",
            description = "Similarity target: neural, raw, shuffled, pixel, pixel-threshold or none.")
    String target;

    @Option(names = "--profile", defaultValue = "cpu", paramLabel = "NAME",
            description = "paper, cpu or smoke (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--stimuli", paramLabel = "PATH",
            description = "Stimulus images (folder or zip) for the pixel targets; default: 500 training images.")
    Path stimuli;

    @Option(names = "--out", defaultValue = "cortexprior-runs/train", paramLabel = "DIR",
            description = "Output directory for checkpoints, exports and summary.json (default: ${DEFAULT-VALUE}). "
                    + "A checkpoint of the same target, profile and seed already there is resumed, and a finished "
                    + "run is reported rather than trained again; use one directory per variant.")
    Path out;

    @Option(names = "--json", description = "Print the summary as JSON on standard output.")
    boolean json;

    @Option(names = "--blur", defaultValue = "0", paramLabel = "SIGMA",
            description = "Sigma in pixels of a fixed Gaussian blur in front of the network (default: 0, no blur).")
    double blur;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--matrix", paramLabel = "ID", split = ",",
            description = "Streamed matrix ids to use (a trailing * matches a prefix); default neural, or raw for --target raw.")
    List<String> matrixIds;

    @Option(names = "--min-coverage", defaultValue = "0.25", paramLabel = "FRACTION",
            description = "Fraction of a streamed matrix's pairs that must be covered before it is used (default: ${DEFAULT-VALUE}).")
    double minCoverage;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "Threads libtorch uses inside one CPU operation, or 0 for its default of one per core "
                    + "(default: ${DEFAULT-VALUE}; on a machine busy with other work, 1 was several times faster than 2).")
    int threads;

    @Option(names = "--devices", paramLabel = "LIST",
            description = "Devices to train on: cpu, or GPUs such as gpu0,gpu1; several GPUs split each batch "
                    + "between them (default: every GPU the engine detects, else the CPU).")
    String devices;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        List<Device> chosenDevices = null;
        if (devices != null) {
            try {
                chosenDevices = parseDevices(devices);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new TrainCommand()),
                        e.getMessage(), e);
            }
        }
        ServiceConfig serviceConfig = kafka.load(Map.of(ServiceConfig.METRICS_PORT, "-1"));
        SimilarityTarget similarityTarget = SimilarityTarget.parse(target);
        Map<String, String> overrides = new LinkedHashMap<>(serviceConfig.withPrefix("trainer."));
        try (ServiceRuntime runtime = ServiceRuntime.start("trainer", serviceConfig)) {
            TrainerConfig.Builder builder = TrainerConfig.builder()
                    .images(images)
                    .target(similarityTarget)
                    .profile(Profile.parse(profile))
                    .overrides(overrides)
                    .seed(seed)
                    .blurSigma(blur)
                    .stimuli(stimuli)
                    .outputDir(out)
                    .minCoverage(minCoverage)
                    .intraOpThreads(threads)
                    .meterRegistry(runtime.registry());
            if (chosenDevices != null) {
                builder.devices(chosenDevices);
            }
            if (matrixIds != null && !matrixIds.isEmpty()) {
                builder.matrixIds(matrixIds);
            }
            if (serviceConfig.get(ServiceConfig.BOOTSTRAP_SERVERS).isPresent()) {
                builder.kafka(serviceConfig.kafka());
            }
            ProgressBar[] bar = new ProgressBar[1];
            boolean[] alreadyComplete = {false};
            builder.listener(new TrainingListener() {
                @Override
                public void started(long totalSteps, long completedSteps) {
                    if (completedSteps >= totalSteps) {
                        alreadyComplete[0] = true;
                        return;
                    }
                    bar[0] = ProgressBar.start("train " + similarityTarget.cliName(), totalSteps, "steps");
                    bar[0].stepBy(completedSteps);
                }

                @Override
                public void step(long globalStep, double crossEntropy, double similarityLoss) {
                    bar[0].stepBy(1);
                }
            });
            TrainingSummary summary;
            try {
                summary = TrainingRun.run(builder.build());
            } finally {
                if (bar[0] != null) {
                    bar[0].close();
                }
            }
            if (json) {
                System.out.println(TrainingRun.toJson(summary));
            } else {
                if (alreadyComplete[0]) {
                    System.out.println("This run was already complete in " + out + "; nothing was trained. Its summary:");
                }
                String similarity = Double.isNaN(summary.initialSimilarityLoss()) ? "no similarity loss"
                        : String.format(Locale.ROOT, "similarity loss %.3f -> %.3f", summary.initialSimilarityLoss(),
                                summary.finalSimilarityLoss());
                System.out.printf(Locale.ROOT, "Trained %s (%s, seed %d) in %.0f s: cross-entropy %.3f -> %.3f, "
                                + "%s (means of the first and last 10 steps), "
                                + "validation accuracy %.3f, test accuracy %.3f, "
                                + "%.0f images/s.%nBest checkpoint: %s%nSummary: %s%n",
                        summary.target(), summary.profile(), summary.seed(), summary.seconds(),
                        summary.initialCrossEntropy(), summary.finalCrossEntropy(), similarity,
                        summary.validationAccuracy(), summary.testAccuracy(),
                        summary.imagesPerSecond(), summary.checkpoint(), out.resolve("summary.json"));
            }
        }
        return ExitCodes.OK;
    }

    /**
     * Parses {@code cpu} or a comma-separated list of {@code gpu}, {@code gpuN}, checking that the
     * GPUs exist.
     *
     * @throws IllegalArgumentException naming the value and what is wrong with it
     */
    static List<Device> parseDevices(String text) {
        List<Device> parsed = new ArrayList<>();
        int gpus = -1;
        for (String name : text.split(",")) {
            String trimmed = name.trim().toLowerCase(Locale.ROOT);
            Device device;
            if (trimmed.equals("cpu")) {
                device = Device.cpu();
            } else if (trimmed.matches("gpu\\d*")) {
                int index = trimmed.length() == 3 ? 0 : Integer.parseInt(trimmed.substring(3));
                if (gpus < 0) {
                    gpus = Engine.getInstance().getGpuCount();
                }
                if (index >= gpus) {
                    throw new IllegalArgumentException("--devices " + text + ": " + trimmed + " does not exist; the engine detects "
                            + gpus + (gpus == 1 ? " GPU" : " GPUs") + "; use --devices cpu, or leave the option out to train on every GPU detected");
                }
                device = Device.gpu(index);
            } else {
                throw new IllegalArgumentException("--devices " + text + ": '" + name.trim()
                        + "' is not a device; expected cpu, gpu or gpuN");
            }
            if (parsed.contains(device)) {
                throw new IllegalArgumentException("--devices " + text + ": " + trimmed + " is listed twice");
            }
            parsed.add(device);
        }
        if (parsed.size() > 1 && parsed.contains(Device.cpu())) {
            throw new IllegalArgumentException("--devices " + text + ": the CPU trains alone; list either cpu or GPUs");
        }
        return parsed;
    }
}
