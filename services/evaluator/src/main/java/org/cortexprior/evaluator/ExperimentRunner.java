package org.cortexprior.evaluator;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.cortexprior.evaluator.ExperimentResults.DataSource;
import org.cortexprior.evaluator.ExperimentResults.SimilarityMatrix;
import org.cortexprior.evaluator.ExperimentResults.VariantRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains and evaluates every variant with every seed, in order (variant by variant, seeds inner),
 * and collects an {@link ExperimentResults} for {@link ReportWriter}. Training is delegated to a
 * {@link VariantTrainer}, so the same runner serves the real trainer and tests with small models.
 *
 * <p>Not thread-safe; run one experiment at a time per instance.
 */
public final class ExperimentRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);

    private final List<String> variants;
    private final List<Integer> seeds;
    private final RobustnessEvaluator evaluator;
    private final VariantTrainer trainer;

    public ExperimentRunner(List<String> variants, List<Integer> seeds, EvaluationSettings settings,
            VariantTrainer trainer) {
        if (variants.isEmpty() || seeds.isEmpty()) {
            throw new IllegalArgumentException("an experiment needs at least one variant and one seed, got variants "
                    + variants + " and seeds " + seeds);
        }
        this.variants = List.copyOf(variants);
        this.seeds = List.copyOf(seeds);
        this.evaluator = new RobustnessEvaluator(settings);
        this.trainer = Objects.requireNonNull(trainer, "trainer");
    }

    /**
     * Runs the experiment and returns its results.
     *
     * @param title            heading of the report
     * @param configuration    settings shown in the report, in display order
     * @param provenance       input files
     * @param testImages       images every model is evaluated on
     * @param neuralSimilarity target similarity matrix shown in the report, or null
     * @param progress         receives progress of every evaluation
     * @throws Exception what the trainer throws, unchanged
     */
    public ExperimentResults run(String title, Map<String, String> configuration, List<DataSource> provenance,
            LabeledImages testImages, SimilarityMatrix neuralSimilarity, EvaluationProgress progress)
            throws Exception {
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<VariantRun> runs = new ArrayList<>();
        for (String variant : variants) {
            for (int seed : seeds) {
                LOG.info("[experiment] training variant {} seed {}", variant, seed);
                long trainStart = System.nanoTime();
                VariantTrainer.TrainedVariant trained = trainer.train(variant, seed);
                double trainingSeconds = (System.nanoTime() - trainStart) / 1e9;

                long evaluationStart = System.nanoTime();
                RobustnessResult result;
                try {
                    result = evaluator.evaluate(trained.classifier(), testImages, progress);
                } finally {
                    trained.classifier().close();
                }
                double evaluationSeconds = (System.nanoTime() - evaluationStart) / 1e9;
                LOG.info("[experiment] variant {} seed {} evaluated: clean accuracy {}, trained in {} s, evaluated in {} s",
                        variant, seed, result.cleanAccuracy(), Math.round(trainingSeconds),
                        Math.round(evaluationSeconds));
                runs.add(new VariantRun(variant, seed, result, trained.tapNames(), trained.tapWeights(),
                        trained.training(), trainingSeconds, evaluationSeconds));
            }
        }
        Instant finished = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return new ExperimentResults(title, configuration, provenance, runs, neuralSimilarity, started.toString(),
                finished.toString());
    }
}
