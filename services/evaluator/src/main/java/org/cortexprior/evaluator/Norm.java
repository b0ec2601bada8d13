package org.cortexprior.evaluator;

/** The norm in which an adversarial perturbation is measured. */
public enum Norm {

    /** Maximum absolute pixel change, in pixel units of the [0, 1] range. */
    LINF("L-inf"),

    /** Euclidean length of the change over all pixels of the image. */
    L2("L2");

    private final String label;

    Norm(String label) {
        this.label = label;
    }

    /** Returns the name used in reports and file headers. */
    public String label() {
        return label;
    }
}
