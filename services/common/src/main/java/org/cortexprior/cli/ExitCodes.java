package org.cortexprior.cli;

/**
 * Exit codes of {@code bin/cortexprior}; scripts may rely on them.
 *
 * <ul>
 *   <li>0: success.
 *   <li>1: the command failed (an unexpected error; the message says what).
 *   <li>2: invalid usage: an unknown option, a missing or malformed argument.
 *   <li>3: invalid input data: a recording, image archive or checkpoint that cannot be read; the
 *       message names the file and what was wrong, and nothing partial was published.
 *   <li>4: a required service is unavailable, for example the Kafka broker or a taken port.
 *   <li>130: interrupted (Ctrl-C or SIGTERM before the work finished).
 * </ul>
 */
public final class ExitCodes {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int INVALID_INPUT = 3;
    public static final int UNAVAILABLE = 4;
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
