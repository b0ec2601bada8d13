package org.cortexprior.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.cortexprior.trainer.ImageClassifier;
import org.junit.jupiter.api.Test;

/** Training and evaluating twice with the same seeds gives the same numbers; another seed does not. */
class SameSeedsTest {

    private static final EvaluationSettings SETTINGS = EvaluationSettings.smoke().toBuilder()
            .noiseRepetitions(2).attackImages(12).hybridPairs(30).batchSize(64).build();

    @Test
    void sameSeedsGiveSameNumbers() throws Exception {
        LabeledImages train = TinyModels.gratings(480, 1);
        LabeledImages test = TinyModels.gratings(150, 2);
        ObjectMapper mapper = ReportWriter.mapper();

        String first;
        try (ImageClassifier model = TinyModels.train(train, 42, 6, false)) {
            RobustnessResult result = new RobustnessEvaluator(SETTINGS).evaluate(model, test);
            assertTrue(result.cleanAccuracy() > 0.8, "the model must have learned, clean accuracy " + result.cleanAccuracy());
            assertNotNull(result.linf(), "attacks ran");
            assertNotNull(result.hybrid(), "hybrid test ran");
            first = mapper.writeValueAsString(result);
        }
        String second;
        try (ImageClassifier model = TinyModels.train(train, 42, 6, false)) {
            second = mapper.writeValueAsString(new RobustnessEvaluator(SETTINGS).evaluate(model, test));
        }
        assertEquals(first, second, "same training and evaluation seeds must give identical results");
    }

    @Test
    void otherNoiseSeedChangesNoiseDraws() throws Exception {
        LabeledImages train = TinyModels.gratings(480, 1);
        LabeledImages test = TinyModels.gratings(150, 2);
        EvaluationSettings noiseOnly = SETTINGS.toBuilder().attackImages(0).hybridPairs(0)
                .noiseSigmas(0.3, 0.5).build();
        try (ImageClassifier model = TinyModels.train(train, 42, 6, false)) {
            RobustnessResult seeded = new RobustnessEvaluator(noiseOnly).evaluate(model, test);
            RobustnessResult again = new RobustnessEvaluator(noiseOnly).evaluate(model, test);
            RobustnessResult other = new RobustnessEvaluator(noiseOnly.toBuilder().seed(7).build()).evaluate(model, test);
            double[] seededDraws = draws(seeded);
            assertEquals(Arrays.toString(seededDraws), Arrays.toString(draws(again)), "same seed, same draws");
            assertNotEquals(Arrays.toString(seededDraws), Arrays.toString(draws(other)),
                    "another seed must draw other noise");
        }
    }

    private static double[] draws(RobustnessResult result) {
        return result.noise().stream().flatMapToDouble(level -> Arrays.stream(level.repetitions())).toArray();
    }
}
