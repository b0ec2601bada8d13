package org.cortexprior.cli;

/**
 * A service the command needs cannot be reached or started (broker down, port taken). The
 * launcher prints the message and exits with {@link ExitCodes#UNAVAILABLE}.
 */
public class ServiceUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ServiceUnavailableException(String message) {
        super(message);
    }

    public ServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
