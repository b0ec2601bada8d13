package org.cortexprior.cli;

/**
 * Input data that cannot be used: the message names the file, record or field and says what was
 * wrong. The launcher prints the message without a stack trace and exits with
 * {@link ExitCodes#INVALID_INPUT}.
 */
public class InvalidInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
