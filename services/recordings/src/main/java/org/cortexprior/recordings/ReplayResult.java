package org.cortexprior.recordings;

/**
 * What {@link SessionReplayer#replay(RecordedSession)} did for one session.
 *
 * @param sessionId canonical session id
 * @param outcome whether the session was published now, resumed, or skipped as already published
 * @param trials trials published by this call
 * @param batches trial batches published by this call
 * @param images stimulus images published by this call
 * @param bytes encoded key and value bytes of every record this call published
 * @param nanos wall-clock duration of the call in nanoseconds
 */
public record ReplayResult(String sessionId, Outcome outcome, long trials, long batches, long images,
                           long bytes, long nanos) {

    /** How a replay of one session ended. */
    public enum Outcome {
        /** Every record of the session was published and committed by this call. */
        PUBLISHED,
        /** An earlier, interrupted paced replay had committed part; this call published the rest. */
        RESUMED,
        /** An earlier replay had already committed the whole session; nothing was published. */
        SKIPPED
    }

    /** Returns the publishing rate in megabytes (10^6 bytes) per second. */
    public double megabytesPerSecond() {
        return nanos == 0 ? 0 : bytes / 1e6 / (nanos / 1e9);
    }

    /** Returns the publishing rate in trials per second. */
    public double trialsPerSecond() {
        return nanos == 0 ? 0 : trials / (nanos / 1e9);
    }
}
