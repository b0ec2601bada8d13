package org.cortexprior.recordings.internals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.cortexprior.recordings.NpyDtype;
import org.cortexprior.recordings.RecordingFormatException;

/**
 * The parsed header of a {@code .npy} file: magic, version, and the Python dictionary literal with
 * {@code descr}, {@code fortran_order} and {@code shape}.
 */
public record NpyHeader(NpyDtype dtype, boolean fortranOrder, long[] shape, int dataOffset) {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*(['\"])([^'\"]*)\\1");
    private static final Pattern STRUCTURED = Pattern.compile("['\"]descr['\"]\\s*:\\s*\\[");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    /** Parses the header at the start of {@code buffer} (little-endian, position 0). */
    public static NpyHeader parse(ByteBuffer buffer, String source) {
        int limit = buffer.limit();
        if (limit < 10) {
            throw new RecordingFormatException(source + ": truncated: " + limit
                    + " bytes is shorter than a NumPy .npy header");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (buffer.get(i) != MAGIC[i]) {
                throw new RecordingFormatException(source + ": not a NumPy .npy file (the magic bytes \\x93NUMPY are missing)");
            }
        }
        int major = Byte.toUnsignedInt(buffer.get(6));
        int headerLength;
        int prefix;
        if (major == 1) {
            headerLength = Short.toUnsignedInt(buffer.order(ByteOrder.LITTLE_ENDIAN).getShort(8));
            prefix = 10;
        } else if (major == 2 || major == 3) {
            if (limit < 12) {
                throw new RecordingFormatException(source + ": truncated inside the .npy header");
            }
            headerLength = buffer.order(ByteOrder.LITTLE_ENDIAN).getInt(8);
            prefix = 12;
        } else {
            throw new RecordingFormatException(source + ": unsupported .npy format version " + major + "."
                    + Byte.toUnsignedInt(buffer.get(7)) + "; versions 1.0 to 3.0 are supported");
        }
        if (headerLength < 0 || (long) prefix + headerLength > limit) {
            throw new RecordingFormatException(source + ": truncated: the header declares " + headerLength
                    + " bytes but the file has only " + (limit - prefix) + " after the prefix");
        }
        byte[] text = new byte[headerLength];
        buffer.get(prefix, text);
        String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        if (STRUCTURED.matcher(dict).find()) {
            throw new RecordingFormatException(source + ": unsupported NumPy data type: structured records ("
                    + dict.trim() + "); store each field as its own array");
        }
        Matcher descr = DESCR.matcher(dict);
        Matcher fortran = FORTRAN.matcher(dict);
        Matcher shape = SHAPE.matcher(dict);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new RecordingFormatException(source + ": invalid .npy header (expected descr, fortran_order and shape): "
                    + dict.trim());
        }
        NpyDtype dtype = NpyDtype.parse(descr.group(2), source);
        long[] dims = parseShape(shape.group(1), source);
        return new NpyHeader(dtype, fortran.group(1).equals("True"), dims, prefix + headerLength);
    }

    private static long[] parseShape(String tuple, String source) {
        List<Long> dims = new ArrayList<>();
        for (String part : tuple.split(",")) {
            String trimmed = part.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            try {
                long dim = Long.parseLong(trimmed.endsWith("L") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
                if (dim < 0) {
                    throw new NumberFormatException();
                }
                dims.add(dim);
            } catch (NumberFormatException e) {
                throw new RecordingFormatException(source + ": invalid shape (" + tuple + ") in the .npy header");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** Returns the product of the dimensions. */
    public long elementCount() {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    public String shapeString() {
        StringBuilder text = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            text.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return text.append(shape.length == 1 ? ",)" : ")").toString();
    }
}
