package org.cortexprior.predictor.internals;

/** Fits a {@link ResponseModel} to one session's trials. Implementations are thread-confined. */
public interface ModelFitter {

    /** Returns the model name used in metrics and logs. */
    String name();

    /**
     * Fits the model on the training trials of {@code data}, choosing its hyper-parameters (and
     * stopping early) on {@code data}'s validation trials only.
     */
    ResponseModel fit(FitData data);
}
