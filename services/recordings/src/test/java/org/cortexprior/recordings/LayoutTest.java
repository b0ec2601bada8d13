package org.cortexprior.recordings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.cortexprior.avro.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opens small Sensorium static and generic recordings written by the tests. */
class LayoutTest {

    /** Writes a Sensorium static session: 5 trials, 3 neurons, image 7 shown three times. */
    static Path writeSensorium(Path dir) throws IOException {
        Path root = dir.resolve("static26872-17-20-GrayImageNet-test");
        for (String folder : new String[] {"data/images", "data/responses", "data/behavior", "data/pupil_center",
                "meta/trials", "meta/neurons"}) {
            Files.createDirectories(root.resolve(folder));
        }
        String[] tiers = {"train", "train", "test", "test", "test"};
        long[] frames = {3, 4, 7, 7, 7};
        for (int t = 0; t < tiers.length; t++) {
            Npy.writeFloat32(root.resolve("data/images/" + t + ".npy"), new long[] {1, 2, 4},
                    new float[] {t, 0, 10, 20, 255, 300, 5, 6});
            Npy.writeFloat32(root.resolve("data/responses/" + t + ".npy"), new long[] {3},
                    new float[] {t, t + 0.5f, 2 * t});
            Npy.writeFloat32(root.resolve("data/behavior/" + t + ".npy"), new long[] {3}, new float[] {1, 2, 3});
            Npy.writeFloat32(root.resolve("data/pupil_center/" + t + ".npy"), new long[] {2}, new float[] {4, 5});
        }
        Npy.writeStrings(root.resolve("meta/trials/tiers.npy"), tiers);
        Npy.writeInt64(root.resolve("meta/trials/frame_image_id.npy"), new long[] {5}, frames);
        Npy.writeInt64(root.resolve("meta/neurons/unit_ids.npy"), new long[] {3}, new long[] {11, 12, 13});
        Npy.writeStrings(root.resolve("meta/neurons/area.npy"), new String[] {"V1", "V1", "LM"});
        Npy.writeStrings(root.resolve("meta/neurons/layer.npy"), new String[] {"L2/3", "L4", "L2/3"});
        return root;
    }

    static void zip(Path folder, Path zipFile) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zipFile));
             Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new ZipEntry(folder.getFileName() + "/" + folder.relativize(file)));
                out.write(Files.readAllBytes(file));
                out.closeEntry();
            }
        }
    }

    private static void checkSensorium(Recording recording) {
        assertEquals(RecordingLayout.SENSORIUM_STATIC, recording.layout());
        RecordedSession session = recording.sessions().get(0);
        assertEquals("26872/17/20", session.sessionId());
        assertEquals(3, session.neuronCount());
        assertEquals(new RecordedNeuron("13", "LM", "L2/3"), session.neurons().get(2));
        assertEquals(5, session.trialCount());
        assertEquals(3, session.imageCount());
        assertEquals("26872/17/20/7", session.imageIds().get(2));

        RecordedTrial trial = session.trial(3);
        assertEquals(Tier.TEST, trial.tier());
        assertEquals("26872/17/20/7", trial.imageId());
        assertArrayEquals(new float[] {3, 3.5f, 6}, trial.responses());
        assertEquals(new RecordedTrial.Behaviour(3, 1, 2), trial.behaviour());
        assertEquals(new RecordedTrial.PupilPosition(4, 5), trial.pupilPosition());

        SingleTrials single = session.singleTrials().orElseThrow();
        assertEquals(3, single.repeatCount(2));
        assertArrayEquals(new float[] {3, 3.5f, 6}, session.averagedResponse(2));

        Stimulus image = session.stimulus(0);
        assertEquals(4, image.width());
        assertEquals(2, image.height());
        assertEquals(1, image.channels());
        assertArrayEquals(new byte[] {0, 0, 10, 20, (byte) 255, (byte) 255, 5, 6}, image.pixels());
    }

    @Test
    void sensoriumFolder(@TempDir Path dir) throws IOException {
        Path root = writeSensorium(dir);
        try (Recording recording = Recording.open(root)) {
            checkSensorium(recording);
        }
        try (Recording parent = Recording.open(dir)) {
            checkSensorium(parent);
        }
    }

    @Test
    void sensoriumZip(@TempDir Path dir) throws IOException {
        Path root = writeSensorium(dir);
        Path zipFile = dir.resolve("static26872-17-20-GrayImageNet-test.zip");
        zip(root, zipFile);
        try (Recording recording = Recording.open(zipFile)) {
            checkSensorium(recording);
        }
    }

    @Test
    void genericFolderWithImageIds(@TempDir Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("lab"));
        Npy.writeFloat64(root.resolve("images.npy"), new long[] {2, 2, 2, 3}, new double[24]);
        Npy.writeFloat32(root.resolve("responses.npy"), new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8});
        Npy.writeInt64(root.resolve("image_ids.npy"), new long[] {4}, new long[] {1, 0, 1, 1});
        Npy.writeFloat64(root.resolve("timestamps.npy"), new long[] {4}, new double[] {0, 0.5, 1.0, 1.5});
        try (Recording recording = Recording.open(root)) {
            assertEquals(RecordingLayout.GENERIC, recording.layout());
            RecordedSession session = recording.sessions().get(0);
            assertEquals("lab/1/1", session.sessionId());
            assertEquals(2, session.imageCount());
            assertEquals("lab/1/1/1", session.imageIds().get(0));
            assertEquals(3, session.singleTrials().orElseThrow().repeatCount(0));
            assertArrayEquals(new float[] {13f / 3, 16f / 3}, session.averagedResponse(0), 1e-6f);
            assertEquals(1_000_000L, session.trial(2).startTimeUs());
            assertNull(session.trial(2).behaviour());
            Stimulus image = session.stimulus(1);
            assertEquals(3, image.channels());
            assertNotNull(image.provenance());
        }
    }

    @Test
    void genericNpz(@TempDir Path dir) throws IOException {
        Path images = dir.resolve("images.npy");
        Path responses = dir.resolve("responses.npy");
        Npy.writeUint8(images, new long[] {2, 1, 1}, new byte[] {7, (byte) 200});
        Npy.writeFloat32(responses, new long[] {2, 1}, new float[] {0.5f, 1.5f});
        Path npz = dir.resolve("scan.npz");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(npz))) {
            for (Path file : new Path[] {images, responses}) {
                out.putNextEntry(new ZipEntry(file.getFileName().toString()));
                out.write(Files.readAllBytes(file));
                out.closeEntry();
            }
        }
        try (Recording recording = Recording.open(npz)) {
            RecordedSession session = recording.sessions().get(0);
            assertEquals("scan/1/1", session.sessionId());
            assertEquals(200, session.stimulus(1).pixel(0, 0, 0));
            assertArrayEquals(new float[] {1.5f}, session.trial(1).responses());
        }
    }
}
