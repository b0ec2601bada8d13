package org.cortexprior.recordings.internals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.cortexprior.avro.Tier;
import org.cortexprior.recordings.RecordedNeuron;
import org.cortexprior.recordings.RecordedSession;
import org.cortexprior.recordings.RecordedTrial;
import org.cortexprior.recordings.RecordingFormatException;
import org.cortexprior.recordings.SessionId;
import org.cortexprior.recordings.SingleTrials;

/**
 * Shared logic of layouts that store one row or file per trial (Sensorium static, generic): images
 * are the distinct image keys in order of first appearance, single trials group the trials by
 * image, and repeat averages are means over an image's trials.
 */
abstract class TrialTableSession implements RecordedSession {

    /** Structure read on first use by {@link #loadTable()}. */
    protected record Table(List<RecordedNeuron> neurons, String[] trialImageKeys, Tier[] tiers, long[] order) {
    }

    private record Index(Table table, List<String> imageIds, Map<String, Integer> imageIndex,
                         int[] trialImage, int[][] trialsByImage) {
    }

    protected final SessionId id;
    private Index index;

    TrialTableSession(SessionId id) {
        this.id = id;
    }

    /** Reads neurons, per-trial image keys and tiers, and checks their counts agree. */
    protected abstract Table loadTable();

    /** Reads the responses of stored trial {@code storedIndex}, checked for length and finiteness. */
    protected abstract float[] responses(int storedIndex, int neuronCount);

    protected abstract RecordedTrial.Behaviour behaviour(int storedIndex);

    protected abstract RecordedTrial.PupilPosition pupilPosition(int storedIndex);

    protected abstract Long startTimeUs(int storedIndex);

    /** Returns a stored trial that showed image {@code imageIndex}, for reading its pixels. */
    protected int firstTrialOf(int imageIndex) {
        return index().trialsByImage()[imageIndex][0];
    }

    @Override
    public SessionId id() {
        return id;
    }

    @Override
    public void validate() {
        index();
    }

    protected synchronized Index index() {
        if (index != null) {
            return index;
        }
        Table table = loadTable();
        int trials = table.trialImageKeys().length;
        if (trials == 0 || table.neurons().isEmpty()) {
            throw new RecordingFormatException(source() + ": the session is empty (" + trials + " trials, "
                    + table.neurons().size() + " neurons)");
        }
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        int[] trialImage = new int[trials];
        for (long position = 0; position < trials; position++) {
            int stored = (int) table.order()[(int) position];
            byKey.computeIfAbsent(table.trialImageKeys()[stored], k -> new ArrayList<>()).add(stored);
        }
        List<String> imageIds = new ArrayList<>(byKey.size());
        Map<String, Integer> imageIndex = new HashMap<>();
        int[][] trialsByImage = new int[byKey.size()][];
        int image = 0;
        for (Map.Entry<String, List<Integer>> entry : byKey.entrySet()) {
            String imageId = id.canonical() + "/" + entry.getKey();
            imageIds.add(imageId);
            imageIndex.put(imageId, image);
            trialsByImage[image] = entry.getValue().stream().mapToInt(Integer::intValue).toArray();
            for (int stored : trialsByImage[image]) {
                trialImage[stored] = image;
            }
            image++;
        }
        index = new Index(table, Collections.unmodifiableList(imageIds), imageIndex, trialImage, trialsByImage);
        return index;
    }

    @Override
    public List<RecordedNeuron> neurons() {
        return index().table().neurons();
    }

    @Override
    public List<String> imageIds() {
        return index().imageIds();
    }

    @Override
    public int imageIndex(String imageId) {
        return index().imageIndex().getOrDefault(imageId, -1);
    }

    @Override
    public long trialCount() {
        return index().trialImage().length;
    }

    @Override
    public RecordedTrial trial(long position) {
        Index state = index();
        int stored = (int) state.table().order()[Math.toIntExact(position)];
        int image = state.trialImage()[stored];
        return new RecordedTrial(position, state.imageIds().get(image), image, state.table().tiers()[stored], 1,
                responses(stored, neuronCount()), behaviour(stored), pupilPosition(stored), startTimeUs(stored));
    }

    @Override
    public Optional<SingleTrials> singleTrials() {
        Index state = index();
        int neuronCount = neuronCount();
        return Optional.of(new SingleTrials() {
            @Override
            public int neuronCount() {
                return neuronCount;
            }

            @Override
            public int imageCount() {
                return state.trialsByImage().length;
            }

            @Override
            public int repeatCount(int imageIndex) {
                return state.trialsByImage()[imageIndex].length;
            }

            @Override
            public int maxRepeats() {
                int max = 0;
                for (int[] trials : state.trialsByImage()) {
                    max = Math.max(max, trials.length);
                }
                return max;
            }

            @Override
            public float[] presentation(int imageIndex, int repeat) {
                return responses(state.trialsByImage()[imageIndex][repeat], neuronCount);
            }

            @Override
            public String source() {
                return TrialTableSession.this.source();
            }
        });
    }

    @Override
    public float[] averagedResponse(int imageIndex) {
        return singleTrials().orElseThrow().mean(imageIndex);
    }

    /** Checks a response vector for length and finite values. */
    static float[] checkResponses(float[] values, int neuronCount, String source, long trial) {
        if (values.length != neuronCount) {
            throw new RecordingFormatException(source + ": trial " + trial + " has " + values.length
                    + " responses but the session has " + neuronCount + " neurons");
        }
        for (int n = 0; n < values.length; n++) {
            if (!Float.isFinite(values[n])) {
                throw new RecordingFormatException(source + ": trial " + trial + ", neuron " + n + " has response "
                        + values[n] + "; responses must be finite");
            }
        }
        return values;
    }

    /** Returns the identity order 0..count-1. */
    static long[] identityOrder(int count) {
        long[] order = new long[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        return order;
    }
}
