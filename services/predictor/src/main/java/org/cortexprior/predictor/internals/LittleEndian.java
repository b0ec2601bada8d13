package org.cortexprior.predictor.internals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Conversions between primitive arrays and the little-endian byte layouts the records carry. */
public final class LittleEndian {

    private LittleEndian() {
    }

    public static ByteBuffer floats(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer;
    }

    public static ByteBuffer doubles(double[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asDoubleBuffer().put(values);
        return buffer;
    }

    /** Reads float32 values; the buffer's position is left unchanged. */
    public static float[] toFloats(ByteBuffer bytes) {
        ByteBuffer view = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[view.remaining() / Float.BYTES];
        view.asFloatBuffer().get(values);
        return values;
    }

    /** Reads float64 values; the buffer's position is left unchanged. */
    public static double[] toDoubles(ByteBuffer bytes) {
        ByteBuffer view = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        double[] values = new double[view.remaining() / Double.BYTES];
        view.asDoubleBuffer().get(values);
        return values;
    }
}
