package org.cortexprior.evaluator;

/**
 * Minimal adversarial perturbation found for each attacked image, per attack. A size is in the
 * units of {@link #norm()} on images in [0, 1]; {@link Double#POSITIVE_INFINITY} marks an image
 * that the attack did not fool within the largest size tried.
 *
 * @param norm     the norm
 * @param pgd      projected-gradient attack (BIM steps from zero) with bisection on epsilon
 * @param deepFool DeepFool attack followed by a line search that shrinks its perturbation
 * @param minimal  the smaller of the two per image: the figure that counts
 */
public record MinimalPerturbations(Norm norm, double[] pgd, double[] deepFool, double[] minimal) {

    public MinimalPerturbations {
        pgd = pgd.clone();
        deepFool = deepFool.clone();
        minimal = minimal.clone();
    }

    /** Returns the number of attacked images. */
    public int size() {
        return minimal.length;
    }
}
