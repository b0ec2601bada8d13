package org.cortexprior.trainer.internals;

import java.util.Map;
import java.util.Random;

/** Supplies the pair batches of the regulariser from one or more similarity matrices. */
public interface PairSource extends AutoCloseable {

    /**
     * Applies updates that arrived since the last call; called by the training thread between steps.
     *
     * @return whether any matrix changed
     */
    boolean refresh();

    /** Draws {@code pairs} pairs, or returns null when no matrix is eligible yet. */
    PairBatch draw(Random random, int pairs);

    /** Returns the version of each matrix in use. */
    Map<String, Long> versions();

    /** Returns the coverage in [0, 1] of each matrix in use. */
    Map<String, Double> coverage();

    @Override
    default void close() {
    }
}
