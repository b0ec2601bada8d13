package org.cortexprior.trainer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a training run, also written as {@code summary.json} in the output directory.
 *
 * @param runId key of the run's training events
 * @param target the similarity target
 * @param profile the profile name
 * @param seed the run's seed
 * @param blurSigma front-end blur in pixels, 0 for none
 * @param device the devices trained on, comma-separated, the first holding the model (for example
 *     {@code gpu(0),gpu(1)})
 * @param epochs epochs completed
 * @param steps steps completed
 * @param trainImages training images used
 * @param initialCrossEntropy mean cross-entropy over the first steps (up to 10) of the run
 * @param finalCrossEntropy mean cross-entropy over the last steps (up to 10)
 * @param initialSimilarityLoss mean similarity loss over the first steps with pairs, NaN without pairs
 * @param finalSimilarityLoss mean similarity loss over the last steps with pairs, NaN without pairs
 * @param epochCrossEntropy mean cross-entropy per epoch
 * @param epochSimilarityLoss mean similarity loss per epoch (NaN without pairs)
 * @param trainAccuracy accuracy on the training batches of the last epoch, in [0, 1]
 * @param validationAccuracy best validation accuracy, in [0, 1]
 * @param testAccuracy accuracy of the best checkpoint on the test subset, or NaN without a test split
 * @param imagesPerSecond images through the network per second of training (classification plus
 *     pair images, forward and backward)
 * @param matrixVersions version of each similarity matrix in use at the end
 * @param matrixCoverage coverage of each similarity matrix at the end, in [0, 1]
 * @param tapWeights softmax(gamma): the weight of each of the five taps at the end
 * @param checkpoint directory of the best checkpoint, loadable with {@link TrainedModels#load}
 * @param safetensors exported weights with torchvision-style names
 * @param seconds wall-clock duration of the run
 */
public record TrainingSummary(String runId, String target, String profile, long seed, double blurSigma,
                              String device, int epochs, long steps, int trainImages,
                              double initialCrossEntropy, double finalCrossEntropy,
                              double initialSimilarityLoss, double finalSimilarityLoss,
                              List<Double> epochCrossEntropy, List<Double> epochSimilarityLoss,
                              double trainAccuracy, double validationAccuracy, double testAccuracy,
                              double imagesPerSecond, Map<String, Long> matrixVersions,
                              Map<String, Double> matrixCoverage, List<Double> tapWeights,
                              Path checkpoint, Path safetensors, double seconds) {
}
