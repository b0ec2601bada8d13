package org.cortexprior.trainer.internals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipFile;

import org.cortexprior.recordings.RecordedSession;
import org.cortexprior.recordings.Recording;
import org.cortexprior.recordings.RecordingFormatException;
import org.cortexprior.recordings.SessionRecords;
import org.cortexprior.recordings.Stimulus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the stimulus images of a recording (any layout {@link Recording#open(Path)} detects) for
 * targets computed from pixels. Each session's images stay a group of their own, because sessions
 * usually show different images and the per-session neural matrices are compared within a session.
 */
public final class RecordingStimuli {

    private static final Logger log = LoggerFactory.getLogger(RecordingStimuli.class);

    private RecordingStimuli() {
    }

    /**
     * Returns whether {@code path} is a recording rather than a folder or zip of image files: a
     * zip counts as images when it holds at least one image entry.
     */
    public static boolean isRecording(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isRegularFile(path) && name.endsWith(".zip")) {
            try (ZipFile zip = new ZipFile(path.toFile())) {
                return zip.stream().noneMatch(e -> !e.isDirectory() && StimulusSet.isImage(e.getName()));
            } catch (IOException e) {
                return false;
            }
        }
        if (Files.isRegularFile(path) && name.endsWith(".npz")) {
            return true;
        }
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Recording recording = Recording.open(path)) {
            return !recording.sessions().isEmpty();
        } catch (RecordingFormatException e) {
            return false;
        }
    }

    /**
     * Adds every stimulus of the selected sessions to {@code into} and returns each session's image
     * ids, keyed by session id in the recording's order.
     *
     * @param sessions canonical session ids or session parts; empty selects every session
     */
    public static Map<String, List<String>> read(Path path, StimulusSet into, List<String> sessions) {
        Map<String, List<String>> bySession = new LinkedHashMap<>();
        try (Recording recording = Recording.open(path)) {
            for (RecordedSession session : recording.select(sessions)) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < session.imageIds().size(); i++) {
                    Stimulus stimulus = session.stimulus(i);
                    into.put(SessionRecords.stimulusImage(stimulus));
                    ids.add(stimulus.imageId());
                }
                bySession.put(session.sessionId(), ids);
            }
        }
        log.info("Read {} stimulus images of {} sessions from {}", into.size(), bySession.size(), path);
        return bySession;
    }
}
