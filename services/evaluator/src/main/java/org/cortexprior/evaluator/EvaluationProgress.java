package org.cortexprior.evaluator;

/**
 * Receives progress of a long evaluation, stage by stage (clean accuracy, noise, each attack, hybrid
 * images). Called from the evaluating thread only.
 */
public interface EvaluationProgress {

    /** Signals that a stage with {@code total} units of work (for example images) has started. */
    void stageStarted(String stage, long total, String unit);

    /** Signals that {@code amount} more units of the current stage are done. */
    void advanced(long amount);

    /** Signals that the current stage has finished. */
    void stageFinished();

    /** Returns a listener that ignores all progress. */
    static EvaluationProgress none() {
        return new EvaluationProgress() {
            @Override
            public void stageStarted(String stage, long total, String unit) {
            }

            @Override
            public void advanced(long amount) {
            }

            @Override
            public void stageFinished() {
            }
        };
    }
}
