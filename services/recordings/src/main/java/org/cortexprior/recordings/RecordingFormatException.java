package org.cortexprior.recordings;

import org.cortexprior.cli.InvalidInputException;

/**
 * A recording file, or an entry inside a zip, that cannot be read: the message names the file or
 * entry and says what was wrong with it (truncated data, an unsupported data type, a count that
 * disagrees with another file, non-finite responses). The command line prints the message and exits
 * with code 3.
 */
public class RecordingFormatException extends InvalidInputException {

    private static final long serialVersionUID = 1L;

    public RecordingFormatException(String message) {
        super(message);
    }

    public RecordingFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
