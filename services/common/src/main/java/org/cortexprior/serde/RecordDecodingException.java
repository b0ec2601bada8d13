package org.cortexprior.serde;

import org.apache.kafka.common.errors.SerializationException;

/** Thrown when bytes on a topic cannot be decoded into the expected record; carries a reason code. */
public class RecordDecodingException extends SerializationException {

    private static final long serialVersionUID = 1L;

    /** Cause category of a decoding failure; its code is the reason field of dead-letter records. */
    public enum Reason {
        DESERIALIZATION("deserialization"),
        UNKNOWN_SCHEMA("unknown-schema");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** Returns the short reason code written to dead-letter records. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public RecordDecodingException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public RecordDecodingException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Returns the cause category. */
    public Reason reason() {
        return reason;
    }
}
