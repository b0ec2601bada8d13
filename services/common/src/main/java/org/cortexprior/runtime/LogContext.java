package org.cortexprior.runtime;

import org.apache.logging.log4j.ThreadContext;

/**
 * Context fields that every log line of the current thread carries: {@code service},
 * {@code session} and {@code task}. The log pattern prints them as a prefix such as
 * {@code [predictor session=v4/210325/1 task=fit]}.
 *
 * <pre>{@code
 * try (LogContext ignored = LogContext.put("session", sessionId)) {
 *     log.info("Refit started after {} new trials", count);
 * }
 * }</pre>
 *
 * <p>Scopes are per thread; closing restores the previous value.
 */
public final class LogContext implements AutoCloseable {

    public static final String SERVICE = "service";
    public static final String SESSION = "session";
    public static final String TASK = "task";

    private final String key;
    private final String previous;

    private LogContext(String key, String previous) {
        this.key = key;
        this.previous = previous;
    }

    /** Sets a context field for the current thread until the returned scope is closed. */
    public static LogContext put(String key, String value) {
        String previous = ThreadContext.get(key);
        ThreadContext.put(key, value);
        return new LogContext(key, previous);
    }

    /** Sets the service name for the current thread for good (used by main and worker threads). */
    public static void setService(String service) {
        ThreadContext.put(SERVICE, service);
    }

    @Override
    public void close() {
        if (previous == null) {
            ThreadContext.remove(key);
        } else {
            ThreadContext.put(key, previous);
        }
    }
}
