package org.cortexprior.trainer;

/**
 * Receives progress of a training run on the training thread; implementations must return quickly.
 */
public interface TrainingListener {

    /** Called once before the first step with the total number of steps of the run. */
    default void started(long totalSteps, long completedSteps) {
    }

    /**
     * Called after every step.
     *
     * @param globalStep steps completed
     * @param crossEntropy cross-entropy of the step's classification batch
     * @param similarityLoss similarity loss of the step's pair batch, NaN when there was none
     */
    default void step(long globalStep, double crossEntropy, double similarityLoss) {
    }

    /** Called at the end of each epoch with the validation accuracy in [0, 1]. */
    default void epochEnd(int epoch, double validationAccuracy) {
    }
}
