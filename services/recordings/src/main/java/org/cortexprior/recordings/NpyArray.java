package org.cortexprior.recordings;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An n-dimensional NumPy array read from a {@code .npy} file or a {@code .npz} entry, viewed in
 * place: the elements stay in the file's bytes (a memory-mapped region for {@code .npy} files, a
 * heap buffer for zip entries) and are converted one at a time on access, so opening a 190 MB
 * matrix costs no copy.
 *
 * <p>Elements are addressed by their flat index in C (row-major) order whatever the storage order,
 * so {@code get*(flatIndex(i, j))} is element {@code [i, j]} for C- and Fortran-ordered files alike.
 *
 * <p>Thread-safe for reads: all access is absolute and never moves the buffer's position. A
 * memory-mapped array stays valid after its file is closed; the mapping is released by the garbage
 * collector.
 */
public final class NpyArray {

    private final String source;
    private final NpyDtype dtype;
    private final long[] shape;
    private final boolean fortranOrder;
    private final ByteBuffer data;
    private final long size;

    /**
     * Creates a view over {@code data}, which holds exactly {@code size * itemSize} bytes starting at
     * position 0; its byte order is set here.
     */
    public NpyArray(String source, NpyDtype dtype, long[] shape, boolean fortranOrder, ByteBuffer data) {
        this.source = source;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.fortranOrder = fortranOrder;
        this.data = data.slice().order(dtype.order());
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        this.size = count;
    }

    /** Returns the file, and for zip archives the entry, the array came from. */
    public String source() {
        return source;
    }

    public NpyDtype dtype() {
        return dtype;
    }

    /** Returns a copy of the shape; an empty array for a scalar. */
    public long[] shape() {
        return shape.clone();
    }

    /** Returns the length of dimension {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    public int ndim() {
        return shape.length;
    }

    /** Returns the number of elements (1 for a scalar). */
    public long size() {
        return size;
    }

    public boolean fortranOrder() {
        return fortranOrder;
    }

    /** Returns the shape written as NumPy prints it, for example {@code (50, 640)}. */
    public String shapeString() {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        return Arrays.toString(shape).replace('[', '(').replace(']', ')');
    }

    /** Returns a one-line description: source, data type and shape. */
    public String describe() {
        return source + " (" + dtype + ", shape " + shapeString() + (fortranOrder ? ", Fortran order" : "") + ")";
    }

    /** Returns the C-order flat index of the element at {@code index}, one entry per dimension. */
    public long flatIndex(long... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException(source + ": " + index.length + " indexes given for a "
                    + shape.length + "-dimensional array");
        }
        long flat = 0;
        for (int axis = 0; axis < shape.length; axis++) {
            if (index[axis] < 0 || index[axis] >= shape[axis]) {
                throw new IndexOutOfBoundsException(source + ": index " + index[axis] + " on axis " + axis
                        + " is outside 0.." + (shape[axis] - 1));
            }
            flat = flat * shape[axis] + index[axis];
        }
        return flat;
    }

    /** Returns element {@code flatIndex} as a double; booleans read as 0 and 1. */
    public double getDouble(long flatIndex) {
        int offset = byteOffset(flatIndex);
        return switch (dtype.kind()) {
            case FLOAT -> switch (dtype.itemSize()) {
                case 2 -> halfToFloat(data.getShort(offset));
                case 4 -> data.getFloat(offset);
                default -> data.getDouble(offset);
            };
            case SIGNED_INT, BOOL -> readSigned(offset);
            case UNSIGNED_INT -> dtype.itemSize() == 8
                    ? unsignedLongToDouble(data.getLong(offset)) : readUnsigned(offset);
            default -> throw notNumeric();
        };
    }

    /** Returns element {@code flatIndex} as a float (rounded from float64 and large integers). */
    public float getFloat(long flatIndex) {
        if (dtype.kind() == NpyDtype.Kind.FLOAT && dtype.itemSize() == 4) {
            return data.getFloat(byteOffset(flatIndex));
        }
        return (float) getDouble(flatIndex);
    }

    /**
     * Returns element {@code flatIndex} as a long. Floats must hold whole numbers; uint64 values above
     * {@link Long#MAX_VALUE} are rejected.
     *
     * @throws RecordingFormatException when the value is not a whole number that fits a long
     */
    public long getLong(long flatIndex) {
        int offset = byteOffset(flatIndex);
        switch (dtype.kind()) {
            case SIGNED_INT, BOOL:
                return readSigned(offset);
            case UNSIGNED_INT:
                if (dtype.itemSize() == 8) {
                    long value = data.getLong(offset);
                    if (value < 0) {
                        throw new RecordingFormatException(source + ": element " + flatIndex + " is "
                                + Long.toUnsignedString(value) + ", too large for a signed 64-bit index");
                    }
                    return value;
                }
                return readUnsigned(offset);
            case FLOAT:
                double value = getDouble(flatIndex);
                if (value != Math.rint(value) || Math.abs(value) > 0x1p53) {
                    throw new RecordingFormatException(source + ": element " + flatIndex + " is " + value
                            + ", but a whole number was expected");
                }
                return (long) value;
            default:
                throw notNumeric();
        }
    }

    /** Returns element {@code flatIndex} as a boolean: non-zero numbers are true. */
    public boolean getBoolean(long flatIndex) {
        return getDouble(flatIndex) != 0;
    }

    /**
     * Returns element {@code flatIndex} as a string. Byte strings decode as UTF-8 and unicode strings
     * as UTF-32; trailing NUL padding is removed, as NumPy does. Numbers are formatted as integers
     * when whole, so integer ids read as strings too.
     */
    public String getString(long flatIndex) {
        int offset = byteOffset(flatIndex);
        int itemSize = dtype.itemSize();
        switch (dtype.kind()) {
            case BYTES: {
                int length = itemSize;
                while (length > 0 && data.get(offset + length - 1) == 0) {
                    length--;
                }
                byte[] bytes = new byte[length];
                data.get(offset, bytes);
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case UNICODE: {
                StringBuilder text = new StringBuilder(itemSize / 4);
                for (int i = 0; i < itemSize; i += 4) {
                    int codePoint = data.getInt(offset + i);
                    if (codePoint == 0) {
                        break;
                    }
                    if (!Character.isValidCodePoint(codePoint)) {
                        throw new RecordingFormatException(source + ": element " + flatIndex
                                + " holds the invalid unicode code point " + codePoint);
                    }
                    text.appendCodePoint(codePoint);
                }
                return text.toString();
            }
            case FLOAT: {
                double value = getDouble(flatIndex);
                return value == Math.rint(value) && Math.abs(value) < 0x1p53
                        ? Long.toString((long) value) : Double.toString(value);
            }
            case UNSIGNED_INT:
                return dtype.itemSize() == 8 ? Long.toUnsignedString(data.getLong(offset))
                        : Long.toString(readUnsigned(offset));
            default:
                return Long.toString(readSigned(offset));
        }
    }

    /**
     * Copies {@code length} consecutive elements (C order) starting at {@code flatStart} into
     * {@code target} as floats. C-ordered float32 data is copied in bulk.
     */
    public void readFloats(long flatStart, float[] target, int targetOffset, int length) {
        if (flatStart < 0 || flatStart + length > size) {
            throw new IndexOutOfBoundsException(source + ": elements " + flatStart + ".." + (flatStart + length)
                    + " are outside an array of " + size);
        }
        if (!fortranOrder && dtype.kind() == NpyDtype.Kind.FLOAT && dtype.itemSize() == 4) {
            data.asFloatBuffer().get((int) flatStart, target, targetOffset, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            target[targetOffset + i] = getFloat(flatStart + i);
        }
    }

    /** Returns all elements as floats in C order; allocates {@code size()} floats. */
    public float[] toFloatArray() {
        float[] values = new float[checkedIntSize()];
        readFloats(0, values, 0, values.length);
        return values;
    }

    /** Returns all elements as doubles in C order. */
    public double[] toDoubleArray() {
        double[] values = new double[checkedIntSize()];
        for (int i = 0; i < values.length; i++) {
            values[i] = getDouble(i);
        }
        return values;
    }

    /** Returns all elements as longs in C order (see {@link #getLong(long)}). */
    public long[] toLongArray() {
        long[] values = new long[checkedIntSize()];
        for (int i = 0; i < values.length; i++) {
            values[i] = getLong(i);
        }
        return values;
    }

    /** Returns all elements as strings in C order (see {@link #getString(long)}). */
    public String[] toStringArray() {
        String[] values = new String[checkedIntSize()];
        for (int i = 0; i < values.length; i++) {
            values[i] = getString(i);
        }
        return values;
    }

    private int checkedIntSize() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new RecordingFormatException(source + ": " + size + " elements do not fit one Java array");
        }
        return (int) size;
    }

    private int byteOffset(long flatIndex) {
        if (flatIndex < 0 || flatIndex >= size) {
            throw new IndexOutOfBoundsException(source + ": element " + flatIndex + " is outside an array of " + size);
        }
        long physical = fortranOrder ? toFortranIndex(flatIndex) : flatIndex;
        return Math.toIntExact(physical * dtype.itemSize());
    }

    private long toFortranIndex(long cIndex) {
        long remaining = cIndex;
        long fortran = 0;
        long stride = 1;
        long[] index = new long[shape.length];
        for (int axis = shape.length - 1; axis >= 0; axis--) {
            index[axis] = remaining % shape[axis];
            remaining /= shape[axis];
        }
        for (int axis = 0; axis < shape.length; axis++) {
            fortran += index[axis] * stride;
            stride *= shape[axis];
        }
        return fortran;
    }

    private long readSigned(int offset) {
        return switch (dtype.itemSize()) {
            case 1 -> data.get(offset);
            case 2 -> data.getShort(offset);
            case 4 -> data.getInt(offset);
            default -> data.getLong(offset);
        };
    }

    private long readUnsigned(int offset) {
        return switch (dtype.itemSize()) {
            case 1 -> Byte.toUnsignedLong(data.get(offset));
            case 2 -> Short.toUnsignedLong(data.getShort(offset));
            case 4 -> Integer.toUnsignedLong(data.getInt(offset));
            default -> data.getLong(offset);
        };
    }

    private static double unsignedLongToDouble(long value) {
        double high = (double) (value >>> 1) * 2.0;
        return value >= 0 ? value : high + (value & 1);
    }

    /** Converts an IEEE 754 half-precision value to float (Float.float16ToFloat needs Java 20). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private RecordingFormatException notNumeric() {
        return new RecordingFormatException(describe() + " holds strings where numbers were expected");
    }

    /** Returns the byte order of the elements. */
    public ByteOrder byteOrder() {
        return dtype.order();
    }
}
