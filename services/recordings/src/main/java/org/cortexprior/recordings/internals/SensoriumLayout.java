package org.cortexprior.recordings.internals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.cortexprior.avro.Tier;
import org.cortexprior.recordings.NpyArray;
import org.cortexprior.recordings.RecordedNeuron;
import org.cortexprior.recordings.RecordedTrial;
import org.cortexprior.recordings.Recording;
import org.cortexprior.recordings.RecordingFormatException;
import org.cortexprior.recordings.RecordingLayout;
import org.cortexprior.recordings.SessionId;
import org.cortexprior.recordings.Stimulus;

/**
 * Opens the neuralpredictors / Sensorium "static" layout: a folder or zip with
 * {@code data/images/<trial>.npy}, {@code data/responses/<trial>.npy}, optionally
 * {@code data/behavior/<trial>.npy} (pupil size, its change, running speed) and
 * {@code data/pupil_center/<trial>.npy} (x, y), and {@code meta/trials/tiers.npy},
 * {@code meta/trials/frame_image_id.npy}, {@code meta/neurons/unit_ids.npy}, and optionally
 * {@code meta/neurons/area.npy}, {@code meta/neurons/layer.npy} and {@code meta/trials/trial_idx.npy}
 * (recording order; file order otherwise).
 *
 * <p>A folder of several such folders or zips opens as one session each. Session ids come from
 * names like {@code static26872-17-20-GrayImageNet-...} (animal 26872, session 17, scan 20), else
 * {@code <name>/1/1}. Images are identified by their {@code frame_image_id}.
 */
public final class SensoriumLayout {

    private static final Pattern STATIC_NAME = Pattern.compile("static(\\d+)-(\\d+)-(\\d+)(?:-.*)?");

    private SensoriumLayout() {
    }

    public static boolean matches(Path path) {
        if (Files.isDirectory(path)) {
            return isSessionFolder(path) || !children(path).isEmpty();
        }
        return path.getFileName().toString().endsWith(".zip");
    }

    private static boolean isSessionFolder(Path path) {
        return Files.isDirectory(path.resolve("data")) && Files.isDirectory(path.resolve("meta"));
    }

    private static List<Path> children(Path folder) {
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(p -> isSessionFolder(p) || (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".zip")
                            && STATIC_NAME.matcher(p.getFileName().toString().replaceFirst("\\.zip$", "")).matches()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to list " + folder, e);
        }
    }

    public static Recording open(Path path) {
        List<Path> parts = Files.isDirectory(path) && !isSessionFolder(path) ? children(path) : List.of(path);
        List<SensoriumSession> sessions = new ArrayList<>();
        List<FileTree> trees = new ArrayList<>();
        try {
            for (Path part : parts) {
                FileTree tree = Files.isDirectory(part) ? FileTree.folder(part) : FileTree.zip(part);
                trees.add(tree);
                if (!tree.hasFolder("data") || !tree.hasFolder("meta")) {
                    throw new RecordingFormatException(part + ": unexpected layout: a Sensorium static recording needs "
                            + "data/ (images, responses) and meta/ (trials, neurons), optionally inside one top-level folder");
                }
                sessions.add(new SensoriumSession(sessionId(part), part.toString(), tree));
            }
        } catch (RuntimeException e) {
            trees.forEach(FileTree::close);
            throw e;
        }
        sessions.sort(Comparator.comparing(SensoriumSession::sessionId));
        return new Recording(path, RecordingLayout.SENSORIUM_STATIC, sessions, trees);
    }

    static SessionId sessionId(Path part) {
        String name = part.getFileName().toString().replaceFirst("\\.zip$", "");
        Matcher matcher = STATIC_NAME.matcher(name);
        if (matcher.matches()) {
            return new SessionId(matcher.group(1), matcher.group(2), Integer.parseInt(matcher.group(3)));
        }
        return new SessionId(name.replace('/', '_'), "1", 1);
    }

    private static final class SensoriumSession extends TrialTableSession {

        private final String source;
        private final FileTree tree;
        private boolean behaviour;
        private boolean pupil;

        SensoriumSession(SessionId id, String source, FileTree tree) {
            super(id);
            this.source = source;
            this.tree = tree;
        }

        @Override
        public String source() {
            return source;
        }

        @Override
        protected Table loadTable() {
            NpyArray tiers = tree.npy("meta/trials/tiers.npy");
            NpyArray frames = tree.npy("meta/trials/frame_image_id.npy");
            NpyArray units = tree.npy("meta/neurons/unit_ids.npy");
            int trials = Math.toIntExact(tiers.size());
            if (frames.size() != trials) {
                throw new RecordingFormatException(frames.describe() + " has " + frames.size() + " entries but "
                        + tiers.describe() + " has " + trials + " trials");
            }
            String[] keys = frames.toStringArray();
            Tier[] tierValues = new Tier[trials];
            for (int t = 0; t < trials; t++) {
                tierValues[t] = Tiers.parse(tiers.getString(t), tiers.source(), t);
            }
            for (int t = 0; t < trials; t++) {
                for (String folder : List.of("data/images/", "data/responses/")) {
                    if (!tree.exists(folder + t + ".npy")) {
                        throw new RecordingFormatException(tree.describe(folder + t + ".npy") + ": file not found; "
                                + tiers.describe() + " lists " + trials + " trials");
                    }
                }
            }
            behaviour = tree.exists("data/behavior/0.npy");
            pupil = tree.exists("data/pupil_center/0.npy");

            int neuronCount = Math.toIntExact(units.size());
            NpyArray area = firstPresent("meta/neurons/area.npy", "meta/neurons/brain_area.npy");
            NpyArray layer = tree.npyIfPresent("meta/neurons/layer.npy");
            for (NpyArray field : Arrays.asList(area, layer)) {
                if (field != null && field.size() != neuronCount) {
                    throw new RecordingFormatException(field.describe() + " has " + field.size() + " entries but "
                            + units.describe() + " lists " + neuronCount + " neurons");
                }
            }
            List<RecordedNeuron> neurons = new ArrayList<>(neuronCount);
            for (int n = 0; n < neuronCount; n++) {
                neurons.add(new RecordedNeuron(units.getString(n), area == null ? null : area.getString(n),
                        layer == null ? null : layer.getString(n)));
            }
            return new Table(neurons, keys, tierValues, recordingOrder(trials));
        }

        private NpyArray firstPresent(String... names) {
            for (String name : names) {
                if (tree.exists(name)) {
                    return tree.npy(name);
                }
            }
            return null;
        }

        private long[] recordingOrder(int trials) {
            NpyArray trialIdx = tree.npyIfPresent("meta/trials/trial_idx.npy");
            if (trialIdx == null) {
                return identityOrder(trials);
            }
            if (trialIdx.size() != trials) {
                throw new RecordingFormatException(trialIdx.describe() + " has " + trialIdx.size()
                        + " entries but there are " + trials + " trials");
            }
            long[] numbers = trialIdx.toLongArray();
            return java.util.stream.IntStream.range(0, trials).boxed()
                    .sorted(Comparator.comparingLong(t -> numbers[t])).mapToLong(Integer::longValue).toArray();
        }

        @Override
        public String responseUnits() {
            return "deconvolved calcium activity (a.u.)";
        }

        @Override
        protected float[] responses(int stored, int neuronCount) {
            NpyArray values = tree.npy("data/responses/" + stored + ".npy");
            if (values.size() != neuronCount) {
                throw new RecordingFormatException(values.describe() + ": " + values.size()
                        + " responses but meta/neurons/unit_ids.npy lists " + neuronCount + " neurons");
            }
            return checkResponses(values.toFloatArray(), neuronCount, values.source(), stored);
        }

        @Override
        protected RecordedTrial.Behaviour behaviour(int stored) {
            if (!behaviour) {
                return null;
            }
            NpyArray values = tree.npy("data/behavior/" + stored + ".npy");
            if (values.size() != 3) {
                throw new RecordingFormatException(values.describe()
                        + ": expected 3 values (pupil size, pupil size change, running speed)");
            }
            return new RecordedTrial.Behaviour(values.getFloat(2), values.getFloat(0), values.getFloat(1));
        }

        @Override
        protected RecordedTrial.PupilPosition pupilPosition(int stored) {
            if (!pupil) {
                return null;
            }
            NpyArray values = tree.npy("data/pupil_center/" + stored + ".npy");
            if (values.size() != 2) {
                throw new RecordingFormatException(values.describe() + ": expected 2 values (x, y)");
            }
            return new RecordedTrial.PupilPosition(values.getFloat(0), values.getFloat(1));
        }

        @Override
        protected Long startTimeUs(int stored) {
            return null;
        }

        @Override
        public Stimulus stimulus(int imageIndex) {
            NpyArray pixels = tree.npy("data/images/" + firstTrialOf(imageIndex) + ".npy");
            return Images.fromArray(imageIds().get(imageIndex), pixels, -1, Images.isUnitRange(pixels));
        }

        @Override
        public boolean hasBehaviour() {
            index();
            return behaviour;
        }

        @Override
        public boolean hasPupilPosition() {
            index();
            return pupil;
        }

        @Override
        public boolean hasTimestamps() {
            return false;
        }
    }
}
