package org.cortexprior.recordings;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A corpus of broken recordings: each must fail with a message naming the file and the problem. */
class BadInputTest {

    private static RecordingFormatException failure(Path recording) {
        return assertThrows(RecordingFormatException.class, () -> {
            try (Recording opened = Recording.open(recording)) {
                for (RecordedSession session : opened.sessions()) {
                    session.validate();
                    session.trials().forEach(trial -> { });
                    session.stimuli().forEach(image -> { });
                }
            }
        });
    }

    private static void assertMentions(RecordingFormatException error, String... parts) {
        for (String part : parts) {
            assertTrue(error.getMessage().contains(part), "message lacks '" + part + "': " + error.getMessage());
        }
    }

    private static Path generic(Path dir, long trials, long images, float[] responses) throws IOException {
        Path root = Files.createDirectories(dir.resolve("lab"));
        Npy.writeUint8(root.resolve("images.npy"), new long[] {images, 2, 2}, new byte[(int) images * 4]);
        Npy.writeFloat32(root.resolve("responses.npy"), new long[] {trials, responses.length / Math.max(1, trials)}, responses);
        return root;
    }

    /** Writes a V4 folder for session 1 with the given zip entry names for a 1 x 2 response matrix. */
    private static Path v4(Path dir, String... entries) throws IOException {
        Files.createDirectories(dir.resolve("responses_repeat_averaged"));
        Files.createDirectories(dir.resolve("images"));
        Npy.writeFloat64(dir.resolve("responses_repeat_averaged/responses_1.npy"), new long[] {1, 2}, new double[] {1, 2});
        byte[] jpeg = Files.readAllBytes(writeJpeg(dir));
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("images/images_1.zip")))) {
            for (String entry : entries) {
                zip.putNextEntry(new ZipEntry(entry));
                zip.write(jpeg);
                zip.closeEntry();
            }
        }
        return dir;
    }

    private static Path writeJpeg(Path dir) throws IOException {
        Path file = dir.resolve("pixel.jpg");
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_INT_RGB);
        javax.imageio.ImageIO.write(image, "jpg", file.toFile());
        return file;
    }

    @Test
    void truncatedNpy(@TempDir Path dir) throws IOException {
        Path root = generic(dir, 2, 2, new float[] {1, 2, 3, 4});
        byte[] whole = Files.readAllBytes(root.resolve("responses.npy"));
        Files.write(root.resolve("responses.npy"), java.util.Arrays.copyOf(whole, whole.length - 3));
        assertMentions(failure(root), "responses.npy", "truncated");
    }

    @Test
    void unsupportedDtype(@TempDir Path dir) throws IOException {
        Path root = generic(dir, 2, 2, new float[] {1, 2, 3, 4});
        Npy.write(root.resolve("responses.npy"), "<c8", new long[] {2, 2}, false, new byte[32]);
        assertMentions(failure(root), "responses.npy", "unsupported NumPy data type '<c8'");
    }

    @Test
    void nanResponse(@TempDir Path dir) throws IOException {
        assertMentions(failure(generic(dir, 2, 2, new float[] {1, Float.NaN, 3, 4})), "responses.npy", "NaN");
    }

    @Test
    void infiniteResponse(@TempDir Path dir) throws IOException {
        assertMentions(failure(generic(dir, 2, 2, new float[] {1, 2, 3, Float.POSITIVE_INFINITY})), "responses.npy", "Infinity");
    }

    @Test
    void infiniteRepeatAverage(@TempDir Path dir) throws IOException {
        Path root = v4(dir, "image0001.jpg", "image0002.jpg");
        Npy.writeFloat64(root.resolve("responses_repeat_averaged/responses_1.npy"), new long[] {1, 2},
                new double[] {1, Double.NEGATIVE_INFINITY});
        assertMentions(failure(root), "responses_1.npy", "-Infinity", "image 2");
    }

    @Test
    void imageAndResponseCountsDisagree(@TempDir Path dir) throws IOException {
        assertMentions(failure(generic(dir, 3, 2, new float[] {1, 2, 3})), "3 trials", "2 images", "counts must agree");
    }

    @Test
    void zipWithTooFewImages(@TempDir Path dir) throws IOException {
        assertMentions(failure(v4(dir, "image0001.jpg")), "images_1.zip", "1 imageNNNN files", "2 image columns");
    }

    @Test
    void missingImage(@TempDir Path dir) throws IOException {
        assertMentions(failure(v4(dir, "image0001.jpg", "image0003.jpg")), "images_1.zip", "missing image", "image0002.jpg");
    }

    @Test
    void duplicatedImageNames(@TempDir Path dir) throws IOException {
        assertMentions(failure(v4(dir, "a/image0001.jpg", "b/image0001.jpg", "image0002.jpg")),
                "images_1.zip", "duplicated image image0001.jpg");
    }

    @Test
    void missingImageArchive(@TempDir Path dir) throws IOException {
        Path root = v4(dir, "image0001.jpg", "image0002.jpg");
        Files.delete(root.resolve("images/images_1.zip"));
        assertMentions(failure(root), "images_1.zip", "not found");
    }

    @Test
    void emptySession(@TempDir Path dir) throws IOException {
        assertMentions(failure(generic(dir, 0, 0, new float[0])), "lab", "empty");
    }

    @Test
    void zipWithUnexpectedLayout(@TempDir Path dir) throws IOException {
        Path zipFile = dir.resolve("static1-2-3-test.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(zipFile))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("no data here".getBytes());
            zip.closeEntry();
        }
        assertMentions(failure(zipFile), "static1-2-3-test.zip", "unexpected layout");
    }

    @Test
    void corruptJpeg(@TempDir Path dir) throws IOException {
        Path root = v4(dir, "image0001.jpg", "image0002.jpg");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(root.resolve("images/images_1.zip")))) {
            for (String name : new String[] {"image0001.jpg", "image0002.jpg"}) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write("not a jpeg".getBytes());
                zip.closeEntry();
            }
        }
        assertMentions(failure(root), "images_1.zip!image0001.jpg", "not a readable JPEG");
    }

    @Test
    void unknownLayout(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "hello");
        assertMentions(failure(dir), dir.toString(), "not a recognised recording layout");
    }
}
