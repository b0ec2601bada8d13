package org.cortexprior.resilience;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Figures the fault-tolerance tests add up across one test JVM: SIGKILLs survived, records
 * checked against an uninterrupted reference, bad inputs sent, and records lost or counted twice.
 * Thread-safe.
 */
final class FaultTally {

    static final AtomicLong KILLS = new AtomicLong();
    static final AtomicLong RECORDS = new AtomicLong();
    static final AtomicLong BAD_INPUTS = new AtomicLong();
    static final AtomicLong LOST = new AtomicLong();
    static final AtomicLong DUPLICATED = new AtomicLong();

    private FaultTally() {
    }

    /** Returns the summary line in the fixed form that CI output keeps. */
    static String line() {
        return "faults: kills=" + KILLS.get() + " records=" + RECORDS.get() + " bad_inputs=" + BAD_INPUTS.get()
                + " lost=" + LOST.get() + " duplicated=" + DUPLICATED.get();
    }
}
