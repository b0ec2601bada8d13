package org.cortexprior.evaluator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.cortexprior.cli.CliCommand;
import org.cortexprior.cli.ExitCodes;
import org.cortexprior.cli.KafkaOptions;
import org.cortexprior.evaluator.ExperimentResults.DataSource;
import org.cortexprior.evaluator.internals.BarProgress;
import org.cortexprior.evaluator.internals.TestImageReader;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.runtime.ServiceConfig;
import org.cortexprior.trainer.Profile;
import org.cortexprior.trainer.SimilarityTarget;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cortexprior experiment}: trains every variant (a similarity target or a control) with
 * every seed, evaluates each model's robustness, and writes results.json, results.csv, the plots
 * and report.html to {@code --out}.
 *
 * <pre>
 *   bin/cortexprior experiment --images ../shared/data/cifar10/cifar10-jpeg.zip \
 *       --stimuli ../shared/data/v4-cowley2023 --targets none,pixel-threshold,blur --seeds 2 --profile cpu
 * </pre>
 *
 * <p>Streamed targets ({@code neural}, {@code raw}, {@code shuffled}) read the similarity matrix
 * that a running predictor publishes, so they need {@code --bootstrap-servers}; the {@code demo}
 * command runs the predictor and this experiment together.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Train and evaluate several regularisation variants over several seeds, and write a report.",
                "Variants: neural, raw, shuffled (need --bootstrap-servers of a cluster with the similarity stream), "
                        + "pixel, pixel-threshold, none, blur."})
public final class ExperimentCommand implements CliCommand {

    @Option(names = "--images", required = true, paramLabel = "PATH",
            description = "Classification images: CIFAR-10/100 binary directory, image folder or zip.")
    Path images;

    @Option(names = "--stimuli", paramLabel = "RECORDING",
            description = "Stimulus images for the pixel and pixel-threshold targets: a recording as 'inspect' reads it, or an image folder or zip.")
    Path stimuli;

    @Option(names = "--targets", defaultValue = "neural,none,shuffled,pixel-threshold,blur", split = ",", paramLabel = "NAME,...",
            description = "Variants to train (default: ${DEFAULT-VALUE}).")
    List<String> targets;

    @Option(names = "--seeds", defaultValue = "2", paramLabel = "N", description = "Seeds per variant, 1 to N (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--profile", defaultValue = "cpu", paramLabel = "NAME",
            description = "Training profile: paper, cpu or smoke (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--out", defaultValue = "experiment", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--test-images", defaultValue = "0", paramLabel = "N",
            description = "Test images read for the evaluation, 0 for the whole test split (default: ${DEFAULT-VALUE}).")
    int testImages;

    @Option(names = "--matrix", paramLabel = "ID", defaultValue = "neural",
            description = "Streamed matrix id for the neural target; 'neural/*' uses every per-session matrix (default: ${DEFAULT-VALUE}).")
    String matrix;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    EvaluationOptions evaluation;

    @Override
    public Integer call() throws Exception {
        List<String> variants = TrainerVariants.parseVariants(targets);
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        Profile chosen = Profile.parse(profile);
        boolean streamed = variants.stream().anyMatch(v -> !v.equals(TrainerVariants.BLUR) && SimilarityTarget.parse(v).isStreamed());
        KafkaSettings kafkaSettings = null;
        if (kafka.bootstrapServers() != null || System.getenv(ServiceConfig.envName(ServiceConfig.BOOTSTRAP_SERVERS)) != null) {
            kafkaSettings = kafka.load(Map.of()).kafka();
        } else if (streamed) {
            throw new IllegalArgumentException("the variants " + variants + " include a streamed target, which reads the "
                    + "similarity matrix from Kafka: give --bootstrap-servers of a cluster where the predictor runs, "
                    + "or run 'cortexprior demo', which starts both");
        }

        Files.createDirectories(out);
        List<Integer> seedList = new ArrayList<>();
        for (int s = 1; s <= seeds; s++) {
            seedList.add(s);
        }
        EvaluationSettings settings = evaluation.settings();
        TrainerVariants trainer = new TrainerVariants(images, chosen, stimuli, out.resolve("runs"), kafkaSettings,
                List.of(matrix), Duration.ofMinutes(30), null, null);

        Map<String, String> configuration = new LinkedHashMap<>();
        configuration.put("command", "experiment");
        configuration.put("variants", String.join(", ", variants));
        configuration.put("seeds", seedList.toString());
        configuration.put("profile", chosen.name().toLowerCase(Locale.ROOT));
        configuration.put("evaluation", settings.toString());
        if (kafkaSettings != null) {
            configuration.put("bootstrap servers", kafkaSettings.bootstrapServers());
            configuration.put("neural matrix", matrix);
        }

        LabeledImages test = TestImageReader.read(images, 32, testImages, settings.seed());
        List<DataSource> provenance = new ArrayList<>();
        provenance.add(DataSource.of("classification images", images, test.source()));
        if (stimuli != null) {
            provenance.add(DataSource.of("stimulus images", stimuli, "pixel similarity targets"));
        }
        ExperimentResults.SimilarityMatrix neural = null;
        if (kafkaSettings != null && streamed) {
            SimilarityMatrixReader reader = SimilarityMatrixReader.read(kafkaSettings, Duration.ofSeconds(30));
            String shown = matrix.endsWith("*") ? reader.matrixIds().stream()
                    .filter(id -> id.startsWith(matrix.substring(0, matrix.length() - 1))).findFirst().orElse(null) : matrix;
            neural = shown == null ? null : reader.matrix(shown, "matrix " + shown + " from " + kafkaSettings.bootstrapServers());
        }

        ExperimentRunner runner = new ExperimentRunner(variants, seedList, settings, trainer);
        ExperimentResults results = runner.run("Robustness experiment", configuration, provenance, test, neural,
                new BarProgress("evaluate: "));
        ReportFiles files = ReportWriter.write(results, out);
        System.err.println("experiment: report written to " + files.html().toAbsolutePath());
        return ExitCodes.OK;
    }
}
