package org.cortexprior.recordings;

import java.nio.ByteOrder;

/**
 * The element type of a NumPy array, parsed from the {@code descr} field of a {@code .npy} header
 * such as {@code <f4}, {@code >i8}, {@code |u1}, {@code |b1}, {@code <U12} or {@code |S5}.
 *
 * <p>Supported kinds: floating point of 2, 4 and 8 bytes, signed and unsigned integers of 1, 2, 4
 * and 8 bytes, booleans, fixed-width byte strings ({@code S}) and fixed-width unicode strings
 * ({@code U}, UTF-32 code points). The native byte order {@code =} is read as little-endian, which
 * is what NumPy writes on x86 and ARM machines. Immutable and thread-safe.
 *
 * @param kind {@link Kind} of the elements
 * @param itemSize bytes per element (for {@code U} four times the character count)
 * @param order byte order of multi-byte elements
 * @param descr the descriptor as written in the file
 */
public record NpyDtype(Kind kind, int itemSize, ByteOrder order, String descr) {

    /** Element kinds this reader understands. */
    public enum Kind {
        FLOAT, SIGNED_INT, UNSIGNED_INT, BOOL, BYTES, UNICODE;

        /** Returns whether elements are numbers (booleans count as 0 and 1). */
        public boolean isNumeric() {
            return this != BYTES && this != UNICODE;
        }
    }

    /**
     * Parses a descriptor string.
     *
     * @param source file (and zip entry) the header came from, for the error message
     * @throws RecordingFormatException when the type is not supported
     */
    public static NpyDtype parse(String descr, String source) {
        if (descr.length() < 3) {
            throw unsupported(descr, source);
        }
        char orderChar = descr.charAt(0);
        ByteOrder order;
        switch (orderChar) {
            case '<', '=', '|' -> order = ByteOrder.LITTLE_ENDIAN;
            case '>' -> order = ByteOrder.BIG_ENDIAN;
            default -> throw unsupported(descr, source);
        }
        char kindChar = descr.charAt(1);
        int size;
        try {
            size = Integer.parseInt(descr.substring(2));
        } catch (NumberFormatException e) {
            throw unsupported(descr, source);
        }

        Kind kind = switch (kindChar) {
            case 'f' -> size == 2 || size == 4 || size == 8 ? Kind.FLOAT : null;
            case 'i' -> validIntSize(size) ? Kind.SIGNED_INT : null;
            case 'u' -> validIntSize(size) ? Kind.UNSIGNED_INT : null;
            case 'b' -> size == 1 ? Kind.BOOL : null;
            case 'S', 'a' -> size >= 0 ? Kind.BYTES : null;
            case 'U' -> size >= 0 ? Kind.UNICODE : null;
            default -> null;
        };
        if (kind == null) {
            throw unsupported(descr, source);
        }
        int itemSize = kind == Kind.UNICODE ? Math.multiplyExact(size, 4) : size;
        return new NpyDtype(kind, itemSize, order, descr);
    }

    private static boolean validIntSize(int size) {
        return size == 1 || size == 2 || size == 4 || size == 8;
    }

    private static RecordingFormatException unsupported(String descr, String source) {
        return new RecordingFormatException(source + ": unsupported NumPy data type '" + descr
                + "' (" + describe(descr) + "); supported are float16/32/64, int8-64, uint8-64, bool, "
                + "and fixed-width byte (S) and unicode (U) strings");
    }

    private static String describe(String descr) {
        if (descr.length() < 2) {
            return "malformed";
        }
        return switch (descr.charAt(1)) {
            case 'c' -> "complex numbers";
            case 'O' -> "Python objects";
            case 'M', 'm' -> "date-time values";
            case 'V' -> "raw or structured records";
            default -> "unknown kind '" + descr.charAt(1) + "'";
        };
    }

    @Override
    public String toString() {
        String name = switch (kind) {
            case FLOAT -> "float" + itemSize * 8;
            case SIGNED_INT -> "int" + itemSize * 8;
            case UNSIGNED_INT -> "uint" + itemSize * 8;
            case BOOL -> "bool";
            case BYTES -> "bytes" + itemSize;
            case UNICODE -> "str" + itemSize / 4;
        };
        return name + (itemSize > 1 && kind.isNumeric()
                ? (order == ByteOrder.BIG_ENDIAN ? " big-endian" : "") : "")
                + " ('" + descr + "')";
    }
}
