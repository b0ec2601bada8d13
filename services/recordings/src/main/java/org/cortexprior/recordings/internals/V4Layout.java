package org.cortexprior.recordings.internals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.cortexprior.recordings.Recording;
import org.cortexprior.recordings.RecordingFormatException;
import org.cortexprior.recordings.RecordingLayout;

/**
 * Opens the V4 layout: one session per {@code responses_repeat_averaged/responses_<session>.npy},
 * with images from {@code images/images_<session>.zip} and single trials from
 * {@code responses_raw/responses_<session>.npy} where that file exists.
 */
public final class V4Layout {

    /** Animal part of every V4 session id: the data set, since the files do not name the monkey. */
    public static final String ANIMAL = "v4-cowley2023";

    static final String AVERAGED_DIR = "responses_repeat_averaged";
    static final String RAW_DIR = "responses_raw";
    static final String IMAGES_DIR = "images";
    private static final Pattern RESPONSES = Pattern.compile("responses_(.+)\\.npy");

    private V4Layout() {
    }

    public static boolean matches(Path path) {
        return Files.isDirectory(path.resolve(AVERAGED_DIR));
    }

    public static Recording open(Path root) {
        List<V4Session> sessions = new ArrayList<>();
        try (Stream<Path> files = Files.list(root.resolve(AVERAGED_DIR))) {
            for (Path file : files.sorted().toList()) {
                Matcher name = RESPONSES.matcher(file.getFileName().toString());
                if (!name.matches()) {
                    continue;
                }
                String session = name.group(1);
                Path raw = root.resolve(RAW_DIR).resolve(file.getFileName());
                sessions.add(new V4Session(session, file,
                        root.resolve(IMAGES_DIR).resolve("images_" + session + ".zip"),
                        Files.exists(raw) ? raw : null));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to list " + root.resolve(AVERAGED_DIR), e);
        }
        if (sessions.isEmpty()) {
            throw new RecordingFormatException(root.resolve(AVERAGED_DIR)
                    + ": no responses_<session>.npy files, so the V4 recording has no sessions");
        }
        return new Recording(root, RecordingLayout.V4_COWLEY2023, sessions, sessions);
    }
}
