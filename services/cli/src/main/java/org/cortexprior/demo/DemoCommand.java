package org.cortexprior.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.cortexprior.cli.CliCommand;
import org.cortexprior.cli.ExitCodes;
import org.cortexprior.cli.ProgressBar;
import org.cortexprior.cli.ServiceUnavailableException;
import org.cortexprior.evaluator.EvaluationSettings;
import org.cortexprior.evaluator.ExperimentResults;
import org.cortexprior.evaluator.ExperimentResults.DataSource;
import org.cortexprior.evaluator.ExperimentRunner;
import org.cortexprior.evaluator.LabeledImages;
import org.cortexprior.evaluator.ReportFiles;
import org.cortexprior.evaluator.ReportWriter;
import org.cortexprior.evaluator.RobustnessResult;
import org.cortexprior.evaluator.SimilarityMatrixReader;
import org.cortexprior.evaluator.TrainerVariants;
import org.cortexprior.evaluator.internals.BarProgress;
import org.cortexprior.evaluator.internals.TestImageReader;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.LocalBroker;
import org.cortexprior.predictor.PredictorConfig;
import org.cortexprior.predictor.PredictorService;
import org.cortexprior.recordings.RecordedSession;
import org.cortexprior.recordings.Recording;
import org.cortexprior.recordings.RecordingFormatException;
import org.cortexprior.recordings.ReplayResult;
import org.cortexprior.recordings.SessionReplayer;
import org.cortexprior.runtime.ServiceConfig;
import org.cortexprior.runtime.ServiceRuntime;
import org.cortexprior.trainer.Profile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cortexprior demo}: the whole pipeline in one command. It starts a local Kafka broker (or
 * uses {@code --bootstrap-servers}), replays a recording, runs the denoising predictor until the
 * similarity matrices of every session are complete, trains the CNN with the neural target and
 * the controls over several seeds, evaluates each model's robustness and writes the report.
 *
 * <p>The services run in this JVM but talk only through Kafka: replay writes the sessions,
 * stimuli and trials topics; the predictor reads them and writes the similarity topic; the trainer
 * reads the similarity and stimuli topics. Each has its own metrics endpoint on 127.0.0.1.
 *
 * <p>Without {@code --recording} and {@code --images} it runs on simulated data (see
 * {@link SimulatedLab}) and needs no download: about 5 minutes on 2 cores. On the V4 recordings
 * and CIFAR-10 with {@code --profile cpu} it is meant to finish within an hour on 2 cores.
 *
 * <pre>
 *   bin/cortexprior demo
 *   bin/cortexprior demo --recording ../shared/data/v4-cowley2023 --images ../shared/data/cifar10/cifar10-jpeg.zip --profile cpu
 * </pre>
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline: local broker, replay, denoising predictor, regularised training with "
                + "controls, robustness evaluation and the HTML report.",
                "Without --recording and --images it runs on simulated data."})
public final class DemoCommand implements CliCommand {

    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

    private KafkaSettings kafkaSettings;

    @Option(names = "--recording", paramLabel = "PATH",
            description = "Recorded sessions in a layout 'inspect' reads (V4 folder, Sensorium static, generic). Default: a simulated recording.")
    Path recording;

    @Option(names = "--images", paramLabel = "PATH",
            description = "Classification images: CIFAR-10/100 binary directory, image folder or zip. Default: a generated ten-class shape task.")
    Path images;

    @Option(names = "--sessions", split = ",", paramLabel = "ID,...", description = "Replay only these sessions (default: all).")
    List<String> sessions = new ArrayList<>();

    @Option(names = "--profile", defaultValue = "smoke", paramLabel = "NAME",
            description = "Training profile: smoke, cpu or paper (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--targets", defaultValue = "neural,none,pixel-threshold", split = ",", paramLabel = "NAME,...",
            description = "Variants to train (default: ${DEFAULT-VALUE}).")
    List<String> targets;

    @Option(names = "--seeds", defaultValue = "2", paramLabel = "N", description = "Seeds per variant (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--out", defaultValue = "demo-out", paramLabel = "DIR",
            description = "Directory for the report, checkpoints, broker data and simulated data; an earlier demo's "
                    + "files there are replaced (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Use this Kafka cluster instead of starting a local broker.")
    String bootstrapServers;

    @Option(names = "--metrics-port", defaultValue = "0", paramLabel = "PORT",
            description = "First port of the metrics endpoints (replay, predictor, trainer use PORT, PORT+1, PORT+2); 0 picks free ports.")
    int metricsPort;

    @Option(names = "--test-images", defaultValue = "1000", paramLabel = "N",
            description = "Test images for the clean and noise accuracy (default: ${DEFAULT-VALUE}).")
    int testImages;

    @Option(names = "--attack-images", defaultValue = "20", paramLabel = "N",
            description = "Correctly classified test images attacked per norm (default: ${DEFAULT-VALUE}).")
    int attackImages;

    @Option(names = "--predictor-model", defaultValue = "cnn", paramLabel = "NAME",
            description = "Predictive model of each session: cnn or ridge (default: ${DEFAULT-VALUE}).")
    String predictorModel;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Set a configuration key of the services, for example --set predictor.tile.size=128. Repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--matrix-timeout", defaultValue = "40", paramLabel = "MINUTES",
            description = "How long to wait for the predictor to complete every session's matrix (default: ${DEFAULT-VALUE}).")
    int matrixTimeoutMinutes;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        List<String> variants = TrainerVariants.parseVariants(targets);
        Profile chosenProfile = Profile.parse(profile);
        Files.createDirectories(out);
        out = out.toAbsolutePath().normalize();
        // Every run starts from scratch: an earlier run's broker data, stream state, checkpoints and
        // simulated files would otherwise be resumed or mixed into this one.
        for (String earlier : List.of("broker", "state", "runs", "simulated")) {
            deleteRecursively(out.resolve(earlier));
        }

        boolean simulated = recording == null || images == null;
        SimulatedLab lab = null;
        if (simulated) {
            lab = SimulatedLab.generate(SimulatedLab.Config.demo(2019));
            printSimulationNotice();
        }
        Path recordingPath = recording != null ? recording : writeSimulatedRecording(lab);
        Path imagesPath = images != null ? images
                : SimulatedLab.writeShapeTask(out.resolve("simulated/shapes"), 5000, 1000, 2020);

        LocalBroker broker = null;
        String bootstrap = bootstrapServers;
        if (bootstrap == null) {
            Path brokerDir = out.resolve("broker");
            try {
                broker = LocalBroker.builder().dataDir(brokerDir).start();
            } catch (LocalBroker.PortInUseException e) {
                throw new ServiceUnavailableException(e.getMessage(), e);
            }
            bootstrap = broker.bootstrapServers();
            System.out.println("demo: local Kafka broker on " + bootstrap + " (data in " + brokerDir + ")");
        }
        KafkaSettings kafka = KafkaSettings.of(bootstrap);
        kafkaSettings = kafka;

        ServiceRuntime replayRuntime = ServiceRuntime.start("replay", serviceConfig(bootstrap, 0));
        ServiceRuntime predictorRuntime = ServiceRuntime.start("predictor", serviceConfig(bootstrap, 1));
        ServiceRuntime trainerRuntime = ServiceRuntime.start("trainer", serviceConfig(bootstrap, 2));
        // Each runtime names the calling thread's service; this thread runs the demo itself.
        org.cortexprior.runtime.LogContext.setService("demo");
        System.out.println("demo: metrics at " + replayRuntime.metricsServer().url() + "/metrics (replay), "
                + predictorRuntime.metricsServer().url() + "/metrics (predictor), "
                + trainerRuntime.metricsServer().url() + "/metrics (trainer); health at .../health");
        System.out.flush();

        try (Recording opened = Recording.open(recordingPath);
             PredictorService predictor = PredictorService.start(predictorConfig(predictorRuntime.config(), simulated),
                     predictorRuntime.registry())) {
            List<RecordedSession> selected = opened.select(sessions);
            replay(selected, kafka, replayRuntime, recordingPath);
            awaitMatrices(predictor, selected);
            Map<String, String> checks = simulated ? compareWithTruth(lab, kafka) : Map.of();

            ExperimentResults results = runExperiment(variants, chosenProfile, imagesPath, recordingPath, kafka,
                    trainerRuntime, selected, simulated, checks);
            ReportFiles files = ReportWriter.write(results, out);
            printSummary(results, files, started);
        } finally {
            trainerRuntime.close();
            predictorRuntime.close();
            replayRuntime.close();
            if (broker != null) {
                broker.close();
            }
        }
        return ExitCodes.OK;
    }

    private ServiceConfig serviceConfig(String bootstrap, int offset) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(ServiceConfig.BOOTSTRAP_SERVERS, bootstrap);
        values.put(ServiceConfig.METRICS_PORT, Integer.toString(metricsPort == 0 ? 0 : metricsPort + offset));
        values.put(ServiceConfig.STATE_DIR, out.resolve("state").toString());
        values.putAll(settings);
        return ServiceConfig.load(values, System.getenv(), Map.of());
    }

    private ServiceConfig predictorConfig(ServiceConfig base, boolean simulated) {
        ServiceConfig config = base.with(PredictorConfig.IMAGE_SET, "per-session")
                .with(PredictorConfig.MODEL, predictorModel)
                .with(PredictorConfig.APPLICATION_ID, "cortexprior-demo-predictor");
        if (simulated && !settings.containsKey(PredictorConfig.INPUT_SIZE)) {
            // The simulated receptive fields have wavelengths of 5 to 13 pixels at 32 x 32; the
            // model's default of 16 x 16 would blur the finest of them away.
            config = config.with(PredictorConfig.INPUT_SIZE, "32");
        }
        return config;
    }

    private Path writeSimulatedRecording(SimulatedLab lab) throws IOException {
        Path dir = out.resolve("simulated/recording");
        deleteRecursively(dir);
        return lab.writeSensoriumRecording(dir);
    }

    private void replay(List<RecordedSession> selected, KafkaSettings kafka, ServiceRuntime runtime, Path source)
            throws InterruptedException {
        long totalTrials = selected.stream().mapToLong(RecordedSession::trialCount).sum();
        try (ProgressBar bar = ProgressBar.start("demo: replay " + selected.size() + " sessions", totalTrials, "trials");
             SessionReplayer replayer = SessionReplayer.builder(kafka).registry(runtime.registry())
                     .source(source.toString()).progress(bar::stepBy).build()) {
            replayer.replayAll(selected, new SessionReplayer.Listener() {
                @Override
                public void replayed(ReplayResult result) {
                }

                @Override
                public void rejected(RecordedSession session, RecordingFormatException error) {
                    throw error;
                }
            });
        }
    }

    private void awaitMatrices(PredictorService predictor, List<RecordedSession> selected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(matrixTimeoutMinutes).toNanos();
        try (ProgressBar bar = ProgressBar.start("demo: predictor fits and similarity matrices", selected.size(), "sessions")) {
            for (RecordedSession session : selected) {
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                String matrixId = PredictorService.perSessionMatrix(session.sessionId());
                if (!predictor.awaitComplete(matrixId, left)) {
                    throw new ServiceUnavailableException("the predictor did not complete matrix " + matrixId + " within "
                            + matrixTimeoutMinutes + " minutes; raise --matrix-timeout or use --predictor-model ridge");
                }
                bar.stepBy(1);
            }
        }
        awaitVisible(selected);
    }

    /**
     * Waits until every session's matrix is visible to read_committed consumers. The predictor
     * reports completion from its state stores, which run ahead of its last transaction commit by
     * up to one commit interval.
     */
    private void awaitVisible(List<RecordedSession> selected) throws InterruptedException {
        List<String> expected = selected.stream().map(s -> PredictorService.perSessionMatrix(s.sessionId())).toList();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            List<String> found = SimilarityMatrixReader.read(kafkaSettings, Duration.ofSeconds(30)).matrixIds();
            if (found.containsAll(expected)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new ServiceUnavailableException("the similarity topic shows matrices " + found
                        + " after the predictor reported completion, but not all of " + expected);
            }
            Thread.sleep(500);
        }
    }

    private ExperimentResults runExperiment(List<String> variants, Profile chosenProfile, Path imagesPath,
                                            Path recordingPath, KafkaSettings kafka, ServiceRuntime trainerRuntime,
                                            List<RecordedSession> selected, boolean simulated,
                                            Map<String, String> checks) throws Exception {
        EvaluationSettings settings = EvaluationSettings.smoke().toBuilder()
                .attackImages(attackImages)
                .noiseImages(0)
                .build();
        List<Integer> seedList = new ArrayList<>();
        for (int s = 1; s <= seeds; s++) {
            seedList.add(s);
        }
        TrainerVariants trainer = new TrainerVariants(imagesPath, chosenProfile, recordingPath, out.resolve("runs"),
                kafka, List.of("neural/*"), Duration.ofMinutes(10), trainerRuntime.registry(), null)
                .stimulusSessions(sessions);
        LabeledImages test = TestImageReader.read(imagesPath, 32, testImages, settings.seed());

        SimilarityMatrixReader matrices = SimilarityMatrixReader.read(kafka, Duration.ofSeconds(60));
        String shownMatrix = selected.stream()
                .max(Comparator.comparingInt(s -> s.imageIds().size()))
                .map(s -> PredictorService.perSessionMatrix(s.sessionId())).orElse(null);
        ExperimentResults.SimilarityMatrix neural = shownMatrix == null ? null
                : matrices.matrix(shownMatrix, "denoised neural similarity of session "
                + shownMatrix.substring(shownMatrix.indexOf('/') + 1) + " (centred cosine of predicted responses)");

        Map<String, String> configuration = new LinkedHashMap<>();
        configuration.put("command", "demo");
        configuration.put("data", simulated ? "SIMULATED: model neurons with Gabor receptive fields and Poisson noise; "
                + "generated shape classification task" : "recorded");
        configuration.put("sessions", Integer.toString(selected.size()));
        configuration.put("variants", String.join(", ", variants));
        configuration.put("seeds", seedList.toString());
        configuration.put("profile", chosenProfile.name().toLowerCase(Locale.ROOT));
        configuration.put("neural matrices", "neural/<session> for each session (each session's own images)");
        configuration.put("predictor model", predictorModel);
        configuration.put("evaluation", settings.toString());
        configuration.putAll(checks);
        List<DataSource> provenance = List.of(
                DataSource.of("recording", recordingPath, selected.size() + " sessions"),
                DataSource.of("classification images", imagesPath, test.source()));

        ExperimentRunner runner = new ExperimentRunner(variants, seedList, settings, trainer);
        if (chosenProfile == Profile.SMOKE) {
            configuration.put("note", "The smoke profile trains tiny networks for seconds: a check that the pipeline "
                    + "runs, not a comparison of variants. Use --profile cpu for numbers worth comparing.");
        }
        String title = simulated ? "cortexprior demo on SIMULATED data"
                : "cortexprior demo on " + recordingPath.getFileName() + " (" + selected.size() + " sessions)";
        return runner.run(title, configuration,
                provenance, test, neural, new BarProgress("demo: evaluate "));
    }

    /**
     * Compares each simulated session's streamed matrix with the similarity of the model neurons'
     * noise-free rates, which only a simulation has, next to the similarity of single trials.
     * Returns the correlations for the report and prints them.
     */
    private Map<String, String> compareWithTruth(SimulatedLab lab, KafkaSettings kafka) {
        SimilarityMatrixReader matrices = SimilarityMatrixReader.read(kafka, Duration.ofSeconds(60));
        Map<String, String> checks = new LinkedHashMap<>();
        for (int s = 0; s < lab.sessions().size(); s++) {
            SimulatedLab.Session session = lab.sessions().get(s);
            String sessionId = String.format("9000%d/1/1", s + 1);
            String matrixId = PredictorService.perSessionMatrix(sessionId);
            List<String> ids = matrices.imageIds(matrixId);
            ExperimentResults.SimilarityMatrix streamed = matrices.matrix(matrixId, "");
            if (streamed == null || ids.isEmpty()) {
                System.out.println("demo: " + session.name() + ": matrix " + matrixId + " was not found on "
                        + "the similarity topic (" + (streamed == null ? "no tiles" : "no image set") + "); "
                        + "matrices found: " + matrices.matrixIds());
                continue;
            }
            int[] local = new int[ids.size()];
            for (int i = 0; i < ids.size(); i++) {
                int image = Integer.parseInt(ids.get(i).substring(ids.get(i).lastIndexOf('/') + 1));
                local[i] = java.util.Arrays.binarySearch(session.imageIndices(), image);
            }
            double r = SimilarityChecks.correlateWithTruth(streamed, session.trueRates(), local);
            double single = SimilarityChecks.singleTrialCorrelation(session);
            String value = String.format(Locale.ROOT, "%.3f (single trials: %.3f)", r, single);
            checks.put("similarity vs noise-free truth, " + session.name() + " (Pearson r)", value);
            System.out.println("demo: " + session.name() + ": the streamed denoised similarity correlates r = "
                    + String.format(Locale.ROOT, "%.3f", r) + " with the similarity of the model neurons' noise-free "
                    + "rates; single-trial similarity reaches r = " + String.format(Locale.ROOT, "%.3f", single));
        }
        return checks;
    }

    private void printSimulationNotice() {
        System.out.println("""
                demo: ------------------------------------------------------------------------
                demo: This demo runs on SIMULATED data: model neurons with Gabor receptive fields
                demo: and Poisson spike counts respond to generated images, and a generated
                demo: ten-class shape task stands in for CIFAR-10. Nothing is downloaded.
                demo: To run on real recordings and CIFAR-10:
                demo:   bin/cortexprior demo --recording ../shared/data/v4-cowley2023 \\
                demo:       --images ../shared/data/cifar10/cifar10-jpeg.zip --profile cpu
                demo: ------------------------------------------------------------------------""");
        System.out.flush();
    }

    private void printSummary(ExperimentResults results, ReportFiles files, long started) {
        System.out.println("demo: results (mean over seeds)");
        System.out.printf(Locale.ROOT, "demo: %-16s %8s %12s %12s %12s%n", "variant", "clean", "acc@0.05", "acc@0.1",
                "median L2");
        for (String variant : results.variants()) {
            List<ExperimentResults.VariantRun> runs = results.runsOf(variant);
            double clean = runs.stream().mapToDouble(r -> r.result().cleanAccuracy()).average().orElse(Double.NaN);
            double at05 = runs.stream().mapToDouble(r -> accuracyAt(r.result(), 0.05)).average().orElse(Double.NaN);
            double at10 = runs.stream().mapToDouble(r -> accuracyAt(r.result(), 0.1)).average().orElse(Double.NaN);
            double l2 = runs.stream().filter(r -> r.result().l2() != null && r.result().l2().median() != null)
                    .mapToDouble(r -> r.result().l2().median()).average().orElse(Double.NaN);
            System.out.printf(Locale.ROOT, "demo: %-16s %8.3f %12.3f %12.3f %12.4f%n", variant, clean, at05, at10, l2);
        }
        if (Profile.parse(profile) == Profile.SMOKE) {
            System.out.println("demo: these numbers come from the smoke profile (tiny networks trained for seconds): they "
                    + "show that the pipeline runs, not which variant is more robust; use --profile cpu for that");
        }
        System.out.printf(Locale.ROOT, "demo: report %s (finished in %.1f minutes)%n", files.html(),
                (System.nanoTime() - started) / 6e10);
    }

    private static double accuracyAt(RobustnessResult result, double sigma) {
        return result.accuracyAtSigma(sigma);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        log.debug("Removed {} from an earlier run", dir);
    }
}
