package org.cortexprior.recordings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.cortexprior.testkit.SharedData;
import org.junit.jupiter.api.Test;

/** Reads the real V4 recording from the shared data folder; skipped where it is absent. */
class V4RecordingTest {

    private static final Map<String, int[]> SIZES = new LinkedHashMap<>();

    static {
        SIZES.put("190923", new int[] {33, 1200});
        SIZES.put("190925", new int[] {36, 1200});
        SIZES.put("190927", new int[] {31, 1200});
        SIZES.put("190928", new int[] {24, 1200});
        SIZES.put("190929", new int[] {33, 1200});
        SIZES.put("201025", new int[] {89, 1200});
        SIZES.put("210224", new int[] {67, 800});
        SIZES.put("210225", new int[] {55, 1200});
        SIZES.put("210305", new int[] {70, 400});
        SIZES.put("210325", new int[] {50, 640});
    }

    @Test
    void sessionsHaveDocumentedSizes() {
        Path root = SharedData.require("v4-cowley2023");
        try (Recording recording = Recording.open(root)) {
            assertEquals(RecordingLayout.V4_COWLEY2023, recording.layout());
            List<RecordedSession> sessions = recording.sessions();
            assertEquals(List.copyOf(SIZES.keySet()), sessions.stream().map(s -> s.id().session()).toList());
            for (RecordedSession session : sessions) {
                int[] size = SIZES.get(session.id().session());
                assertEquals(size[0], session.neuronCount(), session.sessionId() + " neurons");
                assertEquals(size[1], session.imageCount(), session.sessionId() + " images");
                assertEquals(size[1], session.trialCount(), session.sessionId() + " trials");
            }
        }
    }

    @Test
    void imageNumberMapsToColumn() {
        Path root = SharedData.require("v4-cowley2023");
        try (Recording recording = Recording.open(root)) {
            RecordedSession session = recording.session("190925");
            assertEquals("v4-cowley2023/190925/1", session.sessionId());
            Stimulus image = session.stimulus(305);
            assertEquals("v4-cowley2023/190925/1/image0306", image.imageId());
            assertTrue(image.provenance().contains("image0306.jpg"), image.provenance());
            assertEquals(112, image.width());
            assertEquals(112, image.height());
            assertEquals(3, image.channels());

            RecordedSession prefixed = recording.session("190923");
            assertTrue(prefixed.stimulus(0).provenance().contains("images_190923/image0001.jpg"));
        }
    }

    @Test
    void rawRepeatsAverageToTrials() {
        Path root = SharedData.require("v4-cowley2023");
        try (Recording recording = Recording.open(root)) {
            RecordedSession session = recording.session("210325");
            SingleTrials single = session.singleTrials().orElseThrow();
            assertEquals(10, single.maxRepeats());
            for (int image = 0; image < session.imageCount(); image++) {
                RecordedTrial trial = session.trial(image);
                int repeats = single.repeatCount(image);
                assertTrue(repeats >= 6, "repeats " + repeats);
                assertTrue(repeats <= 10, "repeats " + repeats);
                assertEquals(repeats, trial.repeats());
                assertArrayEquals(trial.responses(), single.mean(image), 1e-5f);
            }
            double median = Reliability.median(Reliability.splitHalf(single));
            assertTrue(median > 0.55, "median split-half reliability " + median);
            assertTrue(median < 0.70, "median split-half reliability " + median);
            assertEquals(RecordedTrial.UNKNOWN_REPEATS, recording.session("190923").trial(0).repeats());
            assertTrue(recording.session("190923").singleTrials().isEmpty());
        }
    }
}
