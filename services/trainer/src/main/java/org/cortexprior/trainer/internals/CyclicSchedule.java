package org.cortexprior.trainer.internals;

/**
 * Piecewise-constant cyclic learning rate: a cycle of {@code cycleEpochs} epochs is split into
 * {@code phases} equal phases, the rate is multiplied by {@code decay} at each new phase, and it
 * returns to the base rate when a new cycle starts. The paper's schedule is 5 phases x 4 epochs,
 * x0.3 per phase, restarting every 20 epochs. A pure function of the step, so resuming at a step
 * resumes the schedule exactly.
 */
public record CyclicSchedule(double baseRate, int cycleEpochs, int phases, double decay, long stepsPerEpoch) {

    public double rate(long globalStep) {
        double epoch = (double) globalStep / stepsPerEpoch;
        double inCycle = epoch % cycleEpochs;
        int phase = Math.min(phases - 1, (int) Math.floor(inCycle * phases / cycleEpochs));
        return baseRate * Math.pow(decay, phase);
    }
}
