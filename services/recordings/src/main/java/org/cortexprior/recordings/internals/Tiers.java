package org.cortexprior.recordings.internals;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.CRC32;

import org.cortexprior.avro.Tier;
import org.cortexprior.recordings.RecordingFormatException;

/** Tier assignment for layouts without stored tiers, and parsing of stored tier names. */
public final class Tiers {

    private Tiers() {
    }

    /**
     * Assigns a tier from the CRC-32 of the image id: remainder 0 of 10 is TEST, 1 is VALIDATION,
     * the rest TRAIN (about 10/10/80 percent). Deterministic, so every replay and every reader agree,
     * and all trials of one image share a tier.
     */
    public static Tier byImageHash(String imageId) {
        CRC32 crc = new CRC32();
        crc.update(imageId.getBytes(StandardCharsets.UTF_8));
        long bucket = crc.getValue() % 10;
        return bucket == 0 ? Tier.TEST : bucket == 1 ? Tier.VALIDATION : Tier.TRAIN;
    }

    /**
     * Parses a tier name as labs write it: {@code train}, {@code validation} (or {@code val},
     * {@code valid}), {@code test} (also {@code final_test} and {@code live_test...}), {@code oracle}.
     *
     * @throws RecordingFormatException naming {@code source} for any other value
     */
    public static Tier parse(String name, String source, long trial) {
        String value = name.trim().toLowerCase(Locale.ROOT);
        if (value.equals("train") || value.equals("training")) {
            return Tier.TRAIN;
        }
        if (value.equals("validation") || value.equals("val") || value.equals("valid")) {
            return Tier.VALIDATION;
        }
        if (value.equals("oracle")) {
            return Tier.ORACLE;
        }
        if (value.equals("test") || value.endsWith("_test") || value.startsWith("live_test") || value.startsWith("final_test")) {
            return Tier.TEST;
        }
        throw new RecordingFormatException(source + ": trial " + trial + " has the unknown tier '" + name
                + "'; expected train, validation, test or oracle");
    }
}
