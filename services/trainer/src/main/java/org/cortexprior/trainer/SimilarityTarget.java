package org.cortexprior.trainer;

import java.util.Locale;

/**
 * Where the regulariser's target similarity comes from. Every target goes through the same
 * training code: a set of similarity matrices from which image pairs are drawn.
 */
public enum SimilarityTarget {
    /** The denoised neural similarity streamed on the similarity topic (matrix id {@code neural}). */
    NEURAL(true),
    /** The similarity of raw single-trial responses streamed on the similarity topic (matrix id {@code raw}). */
    RAW(true),
    /** The neural matrix with one seeded random permutation applied to rows and columns together. */
    SHUFFLED(true),
    /** The centred cosine similarity of the stimulus pixels. */
    PIXEL(false),
    /** The pixel similarity thresholded to +1 above the threshold, -1 below its negative, else 0. */
    PIXEL_THRESHOLD(false),
    /** No regulariser: cross-entropy only, and no pair batch. */
    NONE(false);

    private final boolean streamed;

    SimilarityTarget(boolean streamed) {
        this.streamed = streamed;
    }

    /** Returns whether the target needs the similarity stream (and so a Kafka cluster). */
    public boolean isStreamed() {
        return streamed;
    }

    /** Returns the command-line name, such as {@code pixel-threshold}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a command-line name such as {@code pixel-threshold}; case-insensitive. */
    public static SimilarityTarget parse(String name) {
        for (SimilarityTarget t : values()) {
            if (t.cliName().equalsIgnoreCase(name.trim()) || t.name().equalsIgnoreCase(name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("Unknown target '" + name
                + "'; expected one of neural, raw, shuffled, pixel, pixel-threshold, none");
    }
}
