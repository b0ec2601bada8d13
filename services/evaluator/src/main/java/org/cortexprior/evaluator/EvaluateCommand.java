package org.cortexprior.evaluator;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.cortexprior.cli.CliCommand;
import org.cortexprior.cli.ExitCodes;
import org.cortexprior.evaluator.ExperimentResults.DataSource;
import org.cortexprior.evaluator.ExperimentResults.VariantRun;
import org.cortexprior.evaluator.internals.BarProgress;
import org.cortexprior.evaluator.internals.TestImageReader;
import org.cortexprior.trainer.ImageClassifier;
import org.cortexprior.trainer.TrainedModels;

import ai.djl.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cortexprior evaluate}: measures the robustness of a trained checkpoint on the test split of
 * an image source and writes the report (results.json, results.csv, plots, report.html) to the
 * output directory. With the default setting (1,000 attacked images) a small ResNet takes tens of
 * minutes on a laptop CPU; {@code --smoke} finishes in about a minute.
 *
 * <pre>
 *   bin/cortexprior evaluate --checkpoint runs/neural-1 --images ../shared/data/cifar10/cifar10-jpeg.zip --out eval
 * </pre>
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Measure a trained model's robustness: clean accuracy, accuracy under Gaussian noise, minimal "
                + "L-inf and L2 adversarial perturbations (PGD with bisection and DeepFool), hybrid images.",
                "Writes results.json, results.csv, PNG plots and report.html to --out."})
public final class EvaluateCommand implements CliCommand {

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "A training run's output directory or a checkpoint directory.")
    Path checkpoint;

    @Option(names = "--images", required = true, paramLabel = "PATH",
            description = "Classification images with a test split: CIFAR-10/100 binary directory, image folder or zip.")
    Path images;

    @Option(names = "--out", defaultValue = "evaluation", paramLabel = "DIR",
            description = "Output directory of the report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--test-images", defaultValue = "0", paramLabel = "N",
            description = "Test images read, 0 for the whole test split (default: ${DEFAULT-VALUE}).")
    int testImages;

    @Option(names = "--json", description = "Also print the result as JSON on standard output.")
    boolean json;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|gpu",
            description = "Device to run the model on (default: ${DEFAULT-VALUE}: the GPU when present).")
    String device;

    @Mixin
    EvaluationOptions evaluation;

    @Override
    public Integer call() throws Exception {
        EvaluationSettings settings = evaluation.settings();
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        RobustnessResult result;
        long evaluationStart;
        LabeledImages test;
        try (ImageClassifier classifier = TrainedModels.load(checkpoint, device(device))) {
            int imageSize = (int) classifier.inputShape()[1];
            test = TestImageReader.read(images, imageSize, testImages, settings.seed());
            evaluationStart = System.nanoTime();
            result = new RobustnessEvaluator(settings).evaluate(classifier, test, new BarProgress("evaluate: "));
        }
        double seconds = (System.nanoTime() - evaluationStart) / 1e9;

        Map<String, String> configuration = new LinkedHashMap<>();
        configuration.put("command", "evaluate");
        configuration.put("checkpoint", TrainedModels.resolve(checkpoint).toAbsolutePath().toString());
        configuration.put("test images", test.source());
        configuration.put("evaluation", settings.toString());
        List<DataSource> provenance = List.of(
                DataSource.of("test images", images, test.source()),
                DataSource.of("checkpoint", TrainedModels.resolve(checkpoint), "weights with the best validation accuracy"));
        String variant = checkpoint.toAbsolutePath().normalize().getFileName().toString();
        ExperimentResults results = new ExperimentResults("Robustness of " + variant, configuration, provenance,
                List.of(new VariantRun(variant, 0, result, List.of(), new double[0], Map.of(), 0, seconds)), null,
                started.toString(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        ReportFiles files = ReportWriter.write(results, out);

        if (json) {
            System.out.println(ReportWriter.mapper().writeValueAsString(result));
        }
        System.err.printf(java.util.Locale.ROOT, "clean accuracy %.4f; median L-inf %s; median L2 %s; report %s%n",
                result.cleanAccuracy(), result.linf() == null ? "not run" : result.linf().median(),
                result.l2() == null ? "not run" : result.l2().median(), files.html().toAbsolutePath());
        return ExitCodes.OK;
    }

    /** Parses {@code auto}, {@code cpu} or {@code gpu}. */
    static Device device(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> TrainedModels.defaultDevice();
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            default -> throw new IllegalArgumentException("invalid --device '" + name + "': expected auto, cpu or gpu");
        };
    }
}
