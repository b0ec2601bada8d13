package org.cortexprior.trainer.internals;

/**
 * The classification images of one run: the training subset, the validation holdout (taken from
 * the training split before the subset is drawn) and the test subset (empty when the source has
 * no test split).
 */
public record ClassificationData(LabeledImages train, LabeledImages validation, LabeledImages test, String source) {
}
