package org.cortexprior.recordings.internals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.cortexprior.avro.Tier;
import org.cortexprior.recordings.NpyArray;
import org.cortexprior.recordings.NpzFile;
import org.cortexprior.recordings.RecordedNeuron;
import org.cortexprior.recordings.RecordedTrial;
import org.cortexprior.recordings.Recording;
import org.cortexprior.recordings.RecordingFormatException;
import org.cortexprior.recordings.RecordingLayout;
import org.cortexprior.recordings.SessionId;
import org.cortexprior.recordings.Stimulus;

/**
 * Opens the generic layout: a folder or {@code .npz} with {@code images.npy} (N x H x W or
 * N x H x W x C, uint8 or float; floats in [0, 1] are scaled by 255), {@code responses.npy}
 * (trials x neurons), and optionally {@code image_ids.npy} (one image index per trial, else trial i
 * shows image i), {@code tiers.npy} (one name per trial, else tiers by image-id hash),
 * {@code timestamps.npy} (trial onsets in seconds) and {@code unit_ids.npy}.
 *
 * <p>One session with id {@code <file name>/1/1}; images are named by their index in
 * {@code images.npy}, so image ids read {@code <file name>/1/1/<index>}. Responses are in the units
 * the lab stored.
 */
public final class GenericLayout {

    private GenericLayout() {
    }

    public static boolean matches(Path path) {
        if (Files.isDirectory(path)) {
            return Files.isRegularFile(path.resolve("responses.npy")) || Files.isRegularFile(path.resolve("images.npy"));
        }
        return path.getFileName().toString().endsWith(".npz");
    }

    public static Recording open(Path path) {
        String name = path.getFileName().toString().replaceFirst("\\.npz$", "").replace('/', '_');
        SessionId id = new SessionId(name.isEmpty() ? "recording" : name, "1", 1);
        if (Files.isDirectory(path)) {
            FileTree tree = FileTree.folder(path);
            GenericSession session = new GenericSession(id, path.toString(),
                    file -> tree.npyIfPresent(file + ".npy"), file -> tree.describe(file + ".npy"));
            return new Recording(path, RecordingLayout.GENERIC, List.of(session), List.of(tree));
        }
        NpzFile npz = NpzFile.open(path);
        GenericSession session = new GenericSession(id, path.toString(),
                file -> npz.contains(file) ? npz.array(file) : null, file -> path + "!" + file + ".npy");
        return new Recording(path, RecordingLayout.GENERIC, List.of(session), List.of(npz));
    }

    private static final class GenericSession extends TrialTableSession {

        private final String source;
        private final Function<String, NpyArray> arrays;
        private final Function<String, String> names;
        private NpyArray images;
        private NpyArray responses;
        private NpyArray timestamps;
        private boolean unitRange;

        GenericSession(SessionId id, String source, Function<String, NpyArray> arrays, Function<String, String> names) {
            super(id);
            this.source = source;
            this.arrays = arrays;
            this.names = names;
        }

        private NpyArray require(String name) {
            NpyArray array = arrays.apply(name);
            if (array == null) {
                throw new RecordingFormatException(names.apply(name) + ": file not found; the generic layout needs "
                        + "images.npy and responses.npy");
            }
            return array;
        }

        @Override
        public String source() {
            return source;
        }

        @Override
        protected Table loadTable() {
            images = require("images");
            responses = require("responses");
            if (responses.ndim() != 2 || !responses.dtype().kind().isNumeric()) {
                throw new RecordingFormatException(responses.describe() + ": expected a numeric trials x neurons matrix");
            }
            if (images.ndim() < 3 || images.ndim() > 4 || !images.dtype().kind().isNumeric()) {
                throw new RecordingFormatException(images.describe() + ": expected N x H x W or N x H x W x C numbers");
            }
            int trials = Math.toIntExact(responses.dim(0));
            int neuronCount = Math.toIntExact(responses.dim(1));
            long imageCount = images.dim(0);

            String[] keys = new String[trials];
            NpyArray imageIds = arrays.apply("image_ids");
            if (imageIds == null) {
                if (imageCount != trials) {
                    throw new RecordingFormatException(responses.describe() + " has " + trials + " trials but "
                            + images.describe() + " has " + imageCount + " images; image and response counts must agree "
                            + "unless image_ids.npy maps trials to images");
                }
                for (int t = 0; t < trials; t++) {
                    keys[t] = Integer.toString(t);
                }
            } else {
                if (imageIds.size() != trials) {
                    throw new RecordingFormatException(imageIds.describe() + " has " + imageIds.size()
                            + " entries but " + responses.describe() + " has " + trials + " trials");
                }
                for (int t = 0; t < trials; t++) {
                    long image = imageIds.getLong(t);
                    if (image < 0 || image >= imageCount) {
                        throw new RecordingFormatException(imageIds.describe() + ": trial " + t + " shows image " + image
                                + ", which is missing from " + images.describe());
                    }
                    keys[t] = Long.toString(image);
                }
            }

            Tier[] tiers = new Tier[trials];
            NpyArray tierNames = arrays.apply("tiers");
            if (tierNames != null && tierNames.size() != trials) {
                throw new RecordingFormatException(tierNames.describe() + " has " + tierNames.size()
                        + " entries but there are " + trials + " trials");
            }
            for (int t = 0; t < trials; t++) {
                tiers[t] = tierNames != null ? Tiers.parse(tierNames.getString(t), tierNames.source(), t)
                        : Tiers.byImageHash(id.canonical() + "/" + keys[t]);
            }

            timestamps = arrays.apply("timestamps");
            if (timestamps != null && timestamps.size() != trials) {
                throw new RecordingFormatException(timestamps.describe() + " has " + timestamps.size()
                        + " entries but there are " + trials + " trials");
            }
            List<RecordedNeuron> neurons = new ArrayList<>(neuronCount);
            NpyArray unitIds = arrays.apply("unit_ids");
            if (unitIds != null && unitIds.size() != neuronCount) {
                throw new RecordingFormatException(unitIds.describe() + " has " + unitIds.size()
                        + " entries but responses.npy has " + neuronCount + " neurons");
            }
            for (int n = 0; n < neuronCount; n++) {
                neurons.add(new RecordedNeuron(unitIds != null ? unitIds.getString(n) : Integer.toString(n), null, null));
            }
            unitRange = Images.isUnitRange(images);
            return new Table(neurons, keys, tiers, identityOrder(trials));
        }

        @Override
        public String responseUnits() {
            return "as stored in responses.npy";
        }

        @Override
        protected float[] responses(int stored, int neuronCount) {
            float[] values = new float[neuronCount];
            responses.readFloats((long) stored * neuronCount, values, 0, neuronCount);
            return checkResponses(values, neuronCount, responses.source(), stored);
        }

        @Override
        protected RecordedTrial.Behaviour behaviour(int stored) {
            return null;
        }

        @Override
        protected RecordedTrial.PupilPosition pupilPosition(int stored) {
            return null;
        }

        @Override
        protected Long startTimeUs(int stored) {
            if (timestamps == null) {
                return null;
            }
            double seconds = timestamps.getDouble(stored);
            if (!Double.isFinite(seconds)) {
                throw new RecordingFormatException(timestamps.describe() + ": trial " + stored + " has onset " + seconds);
            }
            return Math.round(seconds * 1e6);
        }

        @Override
        public Stimulus stimulus(int imageIndex) {
            index();
            String imageId = imageIds().get(imageIndex);
            long stored = Long.parseLong(imageId.substring(imageId.lastIndexOf('/') + 1));
            return Images.fromArray(imageId, images, stored, unitRange);
        }

        @Override
        public boolean hasBehaviour() {
            return false;
        }

        @Override
        public boolean hasPupilPosition() {
            return false;
        }

        @Override
        public boolean hasTimestamps() {
            index();
            return timestamps != null;
        }
    }
}
