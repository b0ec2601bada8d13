package org.cortexprior.evaluator.internals;

import org.cortexprior.cli.ProgressBar;
import org.cortexprior.evaluator.EvaluationProgress;

/** Shows each evaluation stage as a {@link ProgressBar} on standard error. */
public final class BarProgress implements EvaluationProgress {

    private final String prefix;
    private ProgressBar bar;

    /** Creates a listener whose bars are labelled {@code prefix + stage}. */
    public BarProgress(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public void stageStarted(String stage, long total, String unit) {
        stageFinished();
        bar = ProgressBar.start(prefix + stage, total, unit);
    }

    @Override
    public void advanced(long amount) {
        if (bar != null) {
            bar.stepBy(amount);
        }
    }

    @Override
    public void stageFinished() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
