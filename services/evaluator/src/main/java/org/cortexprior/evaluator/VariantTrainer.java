package org.cortexprior.evaluator;

import java.util.List;
import java.util.Map;

import org.cortexprior.trainer.ImageClassifier;

/**
 * Trains one model of an experiment: a regularisation target (variant) with a seed.
 * {@link ExperimentRunner} calls it once per variant and seed, from one thread, and closes the
 * returned classifier after evaluating it.
 */
@FunctionalInterface
public interface VariantTrainer {

    /** Trains the model of {@code variant} with {@code seed}. */
    TrainedVariant train(String variant, int seed) throws Exception;

    /**
     * A trained model and what the report shows about its training.
     *
     * @param classifier the model, owned by the caller from now on
     * @param tapNames   feature taps whose similarities the regulariser mixed, empty without taps
     * @param tapWeights learned tap weights (softmax of gamma), same order as tapNames
     * @param training   facts shown in the report, in display order
     */
    record TrainedVariant(ImageClassifier classifier, List<String> tapNames, double[] tapWeights,
            Map<String, String> training) {
        public TrainedVariant {
            tapWeights = tapWeights.clone();
        }
    }
}
