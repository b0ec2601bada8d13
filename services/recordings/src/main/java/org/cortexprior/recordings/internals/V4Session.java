package org.cortexprior.recordings.internals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.cortexprior.recordings.Npy;
import org.cortexprior.recordings.NpyArray;
import org.cortexprior.recordings.RecordedNeuron;
import org.cortexprior.recordings.RecordedSession;
import org.cortexprior.recordings.RecordedTrial;
import org.cortexprior.recordings.RecordingFormatException;
import org.cortexprior.recordings.SessionId;
import org.cortexprior.recordings.SingleTrials;
import org.cortexprior.recordings.Stimulus;

/**
 * One V4 session. Image {@code imageNNNN.jpg} is column {@code NNNN - 1} of the response matrix;
 * zip entries are matched on the file name alone, because some zips list them out of order and some
 * put them in a folder.
 *
 * <p>Trials: one per image, in column order, holding the repeat-averaged response. {@code repeats}
 * is the number of valid (non-NaN) repeats in the raw file where it exists, otherwise
 * {@link RecordedTrial#UNKNOWN_REPEATS}. Tiers come from {@link Tiers#byImageHash(String)}; no
 * trial is ORACLE, because each image's repeats are folded into one trial (the repeats themselves
 * are in {@link #singleTrials()}). The files have no timestamps or behaviour.
 */
final class V4Session implements RecordedSession, AutoCloseable {

    private static final Pattern IMAGE_NAME = Pattern.compile("image(\\d+)\\.(jpe?g|png)", Pattern.CASE_INSENSITIVE);
    static final String UNITS = "spike count per 100 ms bin, mean over repeats";

    private final SessionId id;
    private final Path averagedFile;
    private final Path imagesZip;
    private final Path rawFile;
    private Loaded loaded;
    private boolean closed;

    private record Loaded(NpyArray averaged, ZipFile zip, ZipEntry[] entries, List<String> imageIds,
                          Map<String, Integer> imageIndex, List<RecordedNeuron> neurons, RawTrials raw) {
    }

    V4Session(String session, Path averagedFile, Path imagesZip, Path rawFile) {
        this.id = new SessionId(V4Layout.ANIMAL, session, 1);
        this.averagedFile = averagedFile;
        this.imagesZip = imagesZip;
        this.rawFile = rawFile;
    }

    @Override
    public SessionId id() {
        return id;
    }

    @Override
    public String source() {
        return averagedFile + ", " + imagesZip + (rawFile != null ? ", " + rawFile : "");
    }

    @Override
    public void validate() {
        load();
    }

    private synchronized Loaded load() {
        if (closed) {
            throw new IllegalStateException("session " + id + " is closed");
        }
        if (loaded != null) {
            return loaded;
        }
        NpyArray averaged = Npy.read(averagedFile);
        if (averaged.ndim() != 2 || !averaged.dtype().kind().isNumeric()) {
            throw new RecordingFormatException(averaged.describe()
                    + ": expected a 2-dimensional numeric matrix of neurons x images");
        }
        int neuronCount = (int) averaged.dim(0);
        int imageCount = (int) averaged.dim(1);
        if (neuronCount == 0 || imageCount == 0) {
            throw new RecordingFormatException(averaged.describe() + ": the session is empty (no neurons or no images)");
        }
        checkFinite(averaged, imageCount);

        ZipEntry[] entries = new ZipEntry[imageCount];
        ZipFile zip = openImages(entries);
        List<String> imageIds = new ArrayList<>(imageCount);
        Map<String, Integer> imageIndex = new HashMap<>();
        for (int i = 0; i < imageCount; i++) {
            String imageId = id.canonical() + "/" + String.format("image%04d", i + 1);
            imageIds.add(imageId);
            imageIndex.put(imageId, i);
        }
        List<RecordedNeuron> neurons = new ArrayList<>(neuronCount);
        for (int n = 0; n < neuronCount; n++) {
            neurons.add(new RecordedNeuron(Integer.toString(n), "V4", null));
        }
        RawTrials raw = null;
        try {
            raw = rawFile == null ? null : new RawTrials(Npy.read(rawFile), neuronCount, imageCount);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
        loaded = new Loaded(averaged, zip, entries, Collections.unmodifiableList(imageIds), imageIndex,
                Collections.unmodifiableList(neurons), raw);
        return loaded;
    }

    private static void checkFinite(NpyArray averaged, int imageCount) {
        for (long i = 0; i < averaged.size(); i++) {
            double value = averaged.getDouble(i);
            if (!Double.isFinite(value)) {
                throw new RecordingFormatException(averaged.describe() + ": response of neuron " + i / imageCount
                        + " to image " + (i % imageCount + 1) + " is " + value + "; repeat-averaged responses must be finite");
            }
        }
    }

    /** Opens the image zip and fills {@code entries} by column, checking names and counts. */
    private ZipFile openImages(ZipEntry[] entries) {
        if (!Files.exists(imagesZip)) {
            throw new RecordingFormatException(imagesZip + ": image archive not found for session " + id
                    + " (" + averagedFile + " has " + entries.length + " image columns)");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(imagesZip.toFile());
        } catch (IOException e) {
            throw new RecordingFormatException(imagesZip + ": not a readable zip archive: " + e.getMessage(), e);
        }
        try {
            TreeMap<Integer, ZipEntry> byNumber = new TreeMap<>();
            Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements()) {
                ZipEntry entry = all.nextElement();
                String name = entry.getName();
                String fileName = name.substring(name.lastIndexOf('/') + 1);
                Matcher matcher = IMAGE_NAME.matcher(fileName);
                if (entry.isDirectory() || !matcher.matches() || name.startsWith("__MACOSX/")) {
                    continue;
                }
                int number = Integer.parseInt(matcher.group(1));
                ZipEntry previous = byNumber.put(number, entry);
                if (previous != null) {
                    throw new RecordingFormatException(imagesZip + ": duplicated image " + fileName + " (entries '"
                            + previous.getName() + "' and '" + name + "')");
                }
            }
            if (byNumber.size() != entries.length) {
                throw new RecordingFormatException(imagesZip + ": has " + byNumber.size()
                        + " imageNNNN files but " + averagedFile + " has " + entries.length
                        + " image columns; image and response counts must agree");
            }
            List<Integer> missing = new ArrayList<>();
            for (int column = 0; column < entries.length; column++) {
                entries[column] = byNumber.get(column + 1);
                if (entries[column] == null) {
                    missing.add(column + 1);
                }
            }
            if (!missing.isEmpty()) {
                throw new RecordingFormatException(imagesZip + ": missing image" + (missing.size() > 1 ? "s " : " ")
                        + missing.stream().limit(5).map(n -> String.format("image%04d.jpg", n)).toList()
                        + (missing.size() > 5 ? " and " + (missing.size() - 5) + " more" : "")
                        + " for response columns of " + averagedFile);
            }
            return zip;
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    @Override
    public List<RecordedNeuron> neurons() {
        return load().neurons();
    }

    @Override
    public String responseUnits() {
        return UNITS;
    }

    @Override
    public List<String> imageIds() {
        return load().imageIds();
    }

    @Override
    public int imageIndex(String imageId) {
        return load().imageIndex().getOrDefault(imageId, -1);
    }

    @Override
    public Stimulus stimulus(int imageIndex) {
        Loaded state = load();
        ZipEntry entry = state.entries()[imageIndex];
        String source = imagesZip + "!" + entry.getName();
        byte[] bytes;
        try (InputStream in = state.zip().getInputStream(entry)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new RecordingFormatException(source + ": cannot be read: " + e.getMessage(), e);
        }
        return Images.decode(state.imageIds().get(imageIndex), bytes, source);
    }

    @Override
    public long trialCount() {
        return load().imageIds().size();
    }

    @Override
    public RecordedTrial trial(long index) {
        Loaded state = load();
        int image = Math.toIntExact(index);
        String imageId = state.imageIds().get(image);
        int repeats = state.raw() == null ? RecordedTrial.UNKNOWN_REPEATS : state.raw().repeatCount(image);
        return new RecordedTrial(index, imageId, image, Tiers.byImageHash(imageId), repeats,
                averagedResponse(image), null, null, null);
    }

    @Override
    public float[] averagedResponse(int imageIndex) {
        Loaded state = load();
        NpyArray averaged = state.averaged();
        int imageCount = (int) averaged.dim(1);
        if (imageIndex < 0 || imageIndex >= imageCount) {
            throw new IndexOutOfBoundsException("image " + imageIndex + " is outside 0.." + (imageCount - 1));
        }
        float[] responses = new float[(int) averaged.dim(0)];
        for (int n = 0; n < responses.length; n++) {
            responses[n] = averaged.getFloat((long) n * imageCount + imageIndex);
        }
        return responses;
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
        return false;
    }

    @Override
    public Optional<SingleTrials> singleTrials() {
        return Optional.ofNullable(load().raw());
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (loaded != null) {
            closeQuietly(loaded.zip());
            loaded = null;
        }
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException ignored) {
            // Closing a read-only zip can only fail on an already broken file handle; nothing to recover.
        }
    }

    /** The raw file: neurons x images x repeats, with missing repeats padded by NaN. */
    private static final class RawTrials implements SingleTrials {

        private final NpyArray raw;
        private final int neuronCount;
        private final int imageCount;
        private final int slots;
        private final int[][] validRepeats;

        RawTrials(NpyArray raw, int neuronCount, int imageCount) {
            if (raw.ndim() != 3 || raw.dim(0) != neuronCount || raw.dim(1) != imageCount || !raw.dtype().kind().isNumeric()) {
                throw new RecordingFormatException(raw.describe() + ": expected numbers of shape (" + neuronCount + ", "
                        + imageCount + ", repeats) to match the repeat-averaged matrix");
            }
            this.raw = raw;
            this.neuronCount = neuronCount;
            this.imageCount = imageCount;
            this.slots = (int) raw.dim(2);
            this.validRepeats = new int[imageCount][];
            for (int i = 0; i < imageCount; i++) {
                int[] valid = new int[slots];
                int count = 0;
                for (int r = 0; r < slots; r++) {
                    boolean any = false;
                    for (int n = 0; n < neuronCount; n++) {
                        double value = raw.getDouble(index(n, i, r));
                        if (Double.isInfinite(value)) {
                            throw new RecordingFormatException(raw.describe() + ": neuron " + n + ", image "
                                    + (i + 1) + ", repeat " + r + " is " + value + "; only NaN may pad missing repeats");
                        }
                        any |= !Double.isNaN(value);
                    }
                    if (any) {
                        valid[count++] = r;
                    }
                }
                validRepeats[i] = Arrays.copyOf(valid, count);
            }
        }

        private long index(int neuron, int image, int slot) {
            return ((long) neuron * imageCount + image) * slots + slot;
        }

        @Override
        public int neuronCount() {
            return neuronCount;
        }

        @Override
        public int imageCount() {
            return imageCount;
        }

        @Override
        public int repeatCount(int imageIndex) {
            return validRepeats[imageIndex].length;
        }

        @Override
        public int maxRepeats() {
            int max = 0;
            for (int[] valid : validRepeats) {
                max = Math.max(max, valid.length);
            }
            return max;
        }

        @Override
        public float[] presentation(int imageIndex, int repeat) {
            int slot = validRepeats[imageIndex][repeat];
            float[] values = new float[neuronCount];
            for (int n = 0; n < neuronCount; n++) {
                values[n] = raw.getFloat(index(n, imageIndex, slot));
            }
            return values;
        }

        @Override
        public String source() {
            return raw.source();
        }
    }
}
