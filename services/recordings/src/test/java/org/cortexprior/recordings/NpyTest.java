package org.cortexprior.recordings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    private static NpyArray roundTrip(String descr, long[] shape, boolean fortran, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, descr, shape, fortran, data);
        return Npy.parse(out.toByteArray(), "test.npy");
    }

    private static byte[] bytes(ByteOrder order, int size, long... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * size).order(order);
        for (long value : values) {
            switch (size) {
                case 1 -> buffer.put((byte) value);
                case 2 -> buffer.putShort((short) value);
                case 4 -> buffer.putInt((int) value);
                default -> buffer.putLong(value);
            }
        }
        return buffer.array();
    }

    @Test
    void integersOfEveryWidthAndOrder() throws IOException {
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            String prefix = order == ByteOrder.LITTLE_ENDIAN ? "<" : ">";
            for (int size : new int[] {1, 2, 4, 8}) {
                NpyArray signed = roundTrip(prefix + "i" + size, new long[] {3}, false, bytes(order, size, -1, 0, 7));
                assertArrayEquals(new long[] {-1, 0, 7}, signed.toLongArray(), prefix + "i" + size);
                NpyArray unsigned = roundTrip(prefix + "u" + size, new long[] {2}, false, bytes(order, size, -1, 5));
                assertEquals(5, unsigned.getLong(1));
                double max = size == 8 ? 0x1p64 : Math.pow(2, 8 * size) - 1;
                assertEquals(max, unsigned.getDouble(0), max * 1e-12, prefix + "u" + size);
            }
        }
    }

    @Test
    void floatsOfEveryWidthAndOrder() throws IOException {
        ByteBuffer big = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(1.5).putDouble(-2.25);
        assertArrayEquals(new double[] {1.5, -2.25}, roundTrip(">f8", new long[] {2}, false, big.array()).toDoubleArray());
        ByteBuffer single = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(3.5f).putFloat(Float.NaN);
        NpyArray floats = roundTrip("<f4", new long[] {2}, false, single.array());
        assertEquals(3.5f, floats.getFloat(0));
        assertTrue(Float.isNaN(floats.getFloat(1)));
        // float16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal = 0x0001.
        NpyArray half = roundTrip("<f2", new long[] {4}, false, bytes(ByteOrder.LITTLE_ENDIAN, 2, 0x3C00, 0xC000, 0x7BFF, 0x0001));
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f}, half.toFloatArray());
    }

    @Test
    void booleansAndStrings() throws IOException {
        NpyArray flags = roundTrip("|b1", new long[] {3}, false, new byte[] {1, 0, 1});
        assertTrue(flags.getBoolean(0));
        assertEquals(0, flags.getLong(1));
        NpyArray names = roundTrip("|S4", new long[] {2}, false, "ab\0\0cdef".getBytes());
        assertArrayEquals(new String[] {"ab", "cdef"}, names.toStringArray());
        ByteBuffer unicode = ByteBuffer.allocate(24).order(ByteOrder.BIG_ENDIAN);
        for (int cp : new int[] {'t', 'e', 's', 't', 0x00B5, 0}) {
            unicode.putInt(cp);
        }
        assertEquals("testµ", roundTrip(">U6", new long[] {1}, false, unicode.array()).getString(0));
    }

    @Test
    void fortranOrderReadsInCOrder() throws IOException {
        // The 2 x 3 matrix [[0, 1, 2], [3, 4, 5]] stored column by column.
        NpyArray matrix = roundTrip("<i4", new long[] {2, 3}, true, bytes(ByteOrder.LITTLE_ENDIAN, 4, 0, 3, 1, 4, 2, 5));
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, matrix.toLongArray());
        assertEquals(5, matrix.getLong(matrix.flatIndex(1, 2)));
    }

    @Test
    void headerVersionsTwoAndThree() throws IOException {
        for (int version : new int[] {2, 3}) {
            String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
            String header = dict + " ".repeat(128 - 12 - dict.length() - 1) + "\n";
            ByteBuffer file = ByteBuffer.allocate(128 + 8).order(ByteOrder.LITTLE_ENDIAN);
            file.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0}).putInt(header.length());
            file.put(header.getBytes()).putFloat(1f).putFloat(2f);
            assertArrayEquals(new float[] {1f, 2f}, Npy.parse(file.array(), "v" + version).toFloatArray());
        }
    }

    @Test
    void memoryMappedFileAndNpz(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.npy");
        Npy.writeFloat32(file, new long[] {2, 2}, new float[] {1, 2, 3, 4});
        NpyArray mapped = Npy.read(file);
        assertEquals("(2, 2)", mapped.shapeString());
        float[] row = new float[2];
        mapped.readFloats(2, row, 0, 2);
        assertArrayEquals(new float[] {3, 4}, row);

        Path npz = dir.resolve("a.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            zip.putNextEntry(new ZipEntry("x.npy"));
            zip.write(Files.readAllBytes(file));
            zip.closeEntry();
        }
        try (NpzFile archive = NpzFile.open(npz)) {
            assertEquals(List.of("x"), archive.names());
            assertArrayEquals(new float[] {1, 2, 3, 4}, archive.array("x").toFloatArray());
            RecordingFormatException missing = assertThrows(RecordingFormatException.class, () -> archive.array("y"));
            assertTrue(missing.getMessage().contains("a.npz"), missing.getMessage());
        }
    }

    @Test
    void unsupportedAndTruncatedFilesNameTheProblem() throws IOException {
        RecordingFormatException complex = assertThrows(RecordingFormatException.class,
                () -> roundTrip("<c16", new long[] {1}, false, new byte[16]));
        assertTrue(complex.getMessage().contains("test.npy"), complex.getMessage());
        assertTrue(complex.getMessage().contains("complex"), complex.getMessage());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, "<f8", new long[] {10}, false, new byte[80]);
        byte[] whole = out.toByteArray();
        RecordingFormatException truncated = assertThrows(RecordingFormatException.class,
                () -> Npy.parse(java.util.Arrays.copyOf(whole, whole.length - 8), "cut.npy"));
        assertTrue(truncated.getMessage().contains("cut.npy: truncated"), truncated.getMessage());

        RecordingFormatException notNumpy = assertThrows(RecordingFormatException.class,
                () -> Npy.parse("hello world, not numpy".getBytes(), "text.npy"));
        assertTrue(notNumpy.getMessage().contains("not a NumPy"), notNumpy.getMessage());
    }

    @Test
    void matchesFilesWrittenByNumpy(@TempDir Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "Skipped: /usr/bin/python3 is absent");
        String script = String.join("\n",
                "import numpy as np, sys",
                "d = sys.argv[1]",
                "a = np.arange(12, dtype='>f8').reshape(3, 4)",
                "np.save(d + '/big.npy', a)",
                "np.save(d + '/fortran.npy', np.asfortranarray(np.arange(12, dtype='<i2').reshape(3, 4)))",
                "np.save(d + '/half.npy', np.array([0.5, -3.0], dtype='<f2'))",
                "np.save(d + '/tiers.npy', np.array(['train', 'validation', 'test']))",
                "np.savez_compressed(d + '/z.npz', u=np.array([250, 7], dtype='u1'), b=np.array([True, False]))");
        Process process = new ProcessBuilder(python.toString(), "-c", script, dir.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        Assumptions.assumeTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0,
                "Skipped: numpy is not available to /usr/bin/python3: " + output);

        assertEquals(11.0, Npy.read(dir.resolve("big.npy")).getDouble(11));
        NpyArray fortran = Npy.read(dir.resolve("fortran.npy"));
        assertTrue(fortran.fortranOrder());
        assertEquals(6, fortran.getLong(fortran.flatIndex(1, 2)));
        assertArrayEquals(new float[] {0.5f, -3f}, Npy.read(dir.resolve("half.npy")).toFloatArray());
        assertArrayEquals(new String[] {"train", "validation", "test"}, Npy.read(dir.resolve("tiers.npy")).toStringArray());
        try (NpzFile npz = NpzFile.open(dir.resolve("z.npz"))) {
            assertEquals(250, npz.array("u").getLong(0));
            assertTrue(npz.array("b").getBoolean(0));
        }
    }
}
