package org.cortexprior.recordings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.cortexprior.recordings.internals.GenericLayout;
import org.cortexprior.recordings.internals.SensoriumLayout;
import org.cortexprior.recordings.internals.V4Layout;

/**
 * A recording on disk, in one of the {@link RecordingLayout}s, opened as a list of
 * {@link RecordedSession}s.
 *
 * <pre>{@code
 * try (Recording recording = Recording.open(Path.of("../shared/data/v4-cowley2023"))) {
 *     for (RecordedSession session : recording.sessions()) {
 *         System.out.println(session.sessionId() + ": " + session.neuronCount() + " neurons");
 *     }
 * }
 * }</pre>
 *
 * <p>Opening detects the layout and lists the sessions without reading their data; each session
 * reads and checks its own files on first use (see {@link RecordedSession}), so one broken session
 * does not hide the others. {@link #close()} releases open zip files; sessions must not be used
 * after it. Thread-safe.
 */
public final class Recording implements AutoCloseable {

    private final Path path;
    private final RecordingLayout layout;
    private final List<RecordedSession> sessions;
    private final List<AutoCloseable> resources;

    /** Creates a recording from already opened sessions; readers use it, callers use {@link #open(Path)}. */
    public Recording(Path path, RecordingLayout layout, List<? extends RecordedSession> sessions,
                     List<? extends AutoCloseable> resources) {
        this.path = path;
        this.layout = layout;
        this.sessions = List.copyOf(sessions);
        this.resources = List.copyOf(resources);
    }

    /**
     * Opens a recording, detecting its layout: a V4 folder ({@code responses_repeat_averaged/}), a
     * Sensorium static folder or zip ({@code data/} and {@code meta/}, or a folder of such), or a
     * generic folder or {@code .npz} ({@code images.npy} and {@code responses.npy}).
     *
     * @throws RecordingFormatException when the path is missing or matches no layout
     */
    public static Recording open(Path path) {
        if (!Files.exists(path)) {
            throw new RecordingFormatException(path + ": recording not found");
        }
        if (V4Layout.matches(path)) {
            return V4Layout.open(path);
        }
        if (GenericLayout.matches(path)) {
            return GenericLayout.open(path);
        }
        if (SensoriumLayout.matches(path)) {
            return SensoriumLayout.open(path);
        }
        throw new RecordingFormatException(path + ": not a recognised recording layout; expected a V4 folder "
                + "(images/ and responses_repeat_averaged/), a Sensorium static folder or zip (data/ and meta/), "
                + "or a folder or .npz with images.npy and responses.npy");
    }

    public Path path() {
        return path;
    }

    public RecordingLayout layout() {
        return layout;
    }

    /** Returns the sessions, ordered by session id. */
    public List<RecordedSession> sessions() {
        return sessions;
    }

    /**
     * Returns the sessions whose canonical id, or session part alone (such as {@code 210325}), is in
     * {@code ids}; all sessions when {@code ids} is empty.
     *
     * @throws IllegalArgumentException naming any id that matches no session
     */
    public List<RecordedSession> select(List<String> ids) {
        if (ids == null || ids.isEmpty()) {
            return sessions;
        }
        List<RecordedSession> chosen = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String id : ids) {
            List<RecordedSession> matches = sessions.stream()
                    .filter(s -> s.sessionId().equals(id) || s.id().session().equals(id)).toList();
            if (matches.isEmpty()) {
                unknown.add(id);
            }
            matches.stream().filter(s -> !chosen.contains(s)).forEach(chosen::add);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no session " + String.join(", ", unknown) + " in " + path
                    + "; it has " + sessions.stream().map(RecordedSession::sessionId).collect(Collectors.joining(", ")));
        }
        return chosen;
    }

    /**
     * Returns the session with canonical id {@code sessionId} or session part {@code sessionId}.
     *
     * @throws IllegalArgumentException when there is none
     */
    public RecordedSession session(String sessionId) {
        return select(List.of(sessionId)).get(0);
    }

    @Override
    public void close() {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("Failed to close " + path + ": " + e.getMessage(), e);
            }
        }
    }
}
