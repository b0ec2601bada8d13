package org.cortexprior.recordings;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.cortexprior.recordings.internals.NpyHeader;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0).
 *
 * <p>{@link #read(Path)} memory-maps the file, so a large matrix is paged in on access rather than
 * copied onto the heap; see {@link NpyArray} for the element types and access. {@link NpzFile}
 * reads {@code .npz} archives. Every error names the file and says what it holds or lacks.
 *
 * <p>Stateless and thread-safe.
 */
public final class Npy {

    /** The six magic bytes every {@code .npy} file starts with. */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {
    }

    /**
     * Memory-maps and parses a {@code .npy} file.
     *
     * @throws RecordingFormatException when the file is missing, truncated, not NumPy, or holds an
     *     unsupported data type
     */
    public static NpyArray read(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = channel.size();
            if (length > Integer.MAX_VALUE) {
                // NOTE: one mapping addresses at most 2 GiB, so larger arrays are rejected for now.
                throw new RecordingFormatException(file + ": " + length
                        + " bytes is larger than the 2 GiB this reader maps at once; split the array into several files");
            }
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, length);
            return parse(mapped, file.toString());
        } catch (NoSuchFileException e) {
            throw new RecordingFormatException(file + ": file not found", e);
        } catch (IOException e) {
            throw new RecordingFormatException(file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Parses a complete {@code .npy} image held in {@code bytes} (from position 0 to the limit)
     * without copying the elements.
     *
     * @param source file or zip entry name used in error messages
     */
    public static NpyArray parse(ByteBuffer bytes, String source) {
        ByteBuffer buffer = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        buffer.position(0);
        NpyHeader header = NpyHeader.parse(buffer, source);
        long needed = Math.multiplyExact(header.elementCount(), (long) header.dtype().itemSize());
        long available = (long) buffer.limit() - header.dataOffset();
        if (available < needed) {
            throw new RecordingFormatException(source + ": truncated: the header declares " + header.dtype()
                    + " of shape " + header.shapeString() + ", which needs " + needed + " data bytes, but only "
                    + available + " follow the header");
        }
        ByteBuffer data = buffer.slice(header.dataOffset(), (int) needed);
        return new NpyArray(source, header.dtype(), header.shape(), header.fortranOrder(), data);
    }

    /** Parses a complete {@code .npy} image held in a byte array. */
    public static NpyArray parse(byte[] bytes, String source) {
        return parse(ByteBuffer.wrap(bytes), source);
    }

    /**
     * Writes a {@code .npy} version 1.0 file (version 2.0 when the header needs more than 65,535 bytes).
     *
     * @param descr NumPy type descriptor such as {@code <f4}, {@code |u1} or {@code <U8}
     * @param shape dimensions; empty for a scalar
     * @param fortranOrder whether {@code data} is laid out in Fortran (column-major) order
     * @param data the elements, already encoded in {@code descr}'s type and byte order
     */
    public static void write(Path file, String descr, long[] shape, boolean fortranOrder, byte[] data) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out, descr, shape, fortranOrder, data);
        }
    }

    /** Writes a {@code .npy} image to a stream; see {@link #write(Path, String, long[], boolean, byte[])}. */
    public static void write(OutputStream out, String descr, long[] shape, boolean fortranOrder, byte[] data) throws IOException {
        StringBuilder dims = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            dims.append(shape[i]).append(i == 0 && shape.length == 1 ? "," : (i < shape.length - 1 ? ", " : ""));
        }
        dims.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
                + ", 'shape': " + dims + ", }";
        boolean version2 = dict.length() + 11 > 65535;
        int prefix = MAGIC.length + 2 + (version2 ? 4 : 2);
        int padded = ((prefix + dict.length() + 1 + 63) / 64) * 64;
        byte[] header = (dict + " ".repeat(padded - prefix - dict.length() - 1) + "\n").getBytes(StandardCharsets.US_ASCII);

        ByteBuffer start = ByteBuffer.allocate(prefix).order(ByteOrder.LITTLE_ENDIAN);
        start.put(MAGIC).put((byte) (version2 ? 2 : 1)).put((byte) 0);
        if (version2) {
            start.putInt(header.length);
        } else {
            start.putShort((short) header.length);
        }
        out.write(start.array());
        out.write(header);
        out.write(data);
    }

    /** Writes a C-ordered float32 little-endian array. */
    public static void writeFloat32(Path file, long[] shape, float[] values) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        write(file, "<f4", shape, false, data.array());
    }

    /** Writes a C-ordered float64 little-endian array. */
    public static void writeFloat64(Path file, long[] shape, double[] values) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        data.asDoubleBuffer().put(values);
        write(file, "<f8", shape, false, data.array());
    }

    /** Writes a C-ordered uint8 array. */
    public static void writeUint8(Path file, long[] shape, byte[] values) throws IOException {
        write(file, "|u1", shape, false, values);
    }

    /** Writes a C-ordered int64 little-endian array. */
    public static void writeInt64(Path file, long[] shape, long[] values) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        data.asLongBuffer().put(values);
        write(file, "<i8", shape, false, data.array());
    }

    /** Writes a one-dimensional unicode string array ({@code <U}n, n the longest string's length). */
    public static void writeStrings(Path file, String[] values) throws IOException {
        int width = 1;
        for (String value : values) {
            width = Math.max(width, value.codePointCount(0, value.length()));
        }
        ByteBuffer data = ByteBuffer.allocate(values.length * width * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (String value : values) {
            int[] codePoints = value.codePoints().toArray();
            for (int i = 0; i < width; i++) {
                data.putInt(i < codePoints.length ? codePoints[i] : 0);
            }
        }
        write(file, "<U" + width, new long[] {values.length}, false, data.array());
    }
}
