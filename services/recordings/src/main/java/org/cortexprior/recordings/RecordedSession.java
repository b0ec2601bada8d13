package org.cortexprior.recordings;

import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * One session of a {@link Recording}: its neurons, the stimulus images it showed, and its trials in
 * recording order.
 *
 * <p>Memory: a session reads its files when first used (headers, ids and small metadata) and reads
 * trial responses and image pixels on each call, from memory-mapped {@code .npy} files where the
 * layout allows, so a session with 6,000 trials x 8,000 neurons costs no 190 MB copy. Images are
 * decoded on each {@link #stimulus(int)} call; cache them if you need them more than once.
 *
 * <p>Errors: a file that is missing, truncated or inconsistent with the others (counts that
 * disagree, duplicated or missing images, NaN or infinite responses) raises
 * {@link RecordingFormatException} naming the file, from the first call that needs it.
 * {@link #validate()} runs the checks that do not need every trial.
 *
 * <p>Thread-safe for concurrent reads while its {@link Recording} is open.
 */
public interface RecordedSession {

    SessionId id();

    /** Returns the canonical session id {@code animal/session/scan}. */
    default String sessionId() {
        return id().canonical();
    }

    /** Returns where the session came from: the files or folder it was read from. */
    String source();

    /**
     * Checks the session's structure: files present, shapes and counts consistent, image names
     * unique, repeat-averaged responses finite.
     *
     * @throws RecordingFormatException naming the file and what is wrong
     */
    void validate();

    /** Returns the neurons in the order of every trial's response vector. */
    List<RecordedNeuron> neurons();

    default int neuronCount() {
        return neurons().size();
    }

    /**
     * Returns the units of the response values, for example
     * {@code spike count per 100 ms bin, mean over repeats}.
     */
    String responseUnits();

    /** Returns the ids of the stimulus images, each once, in the recording's image order. */
    List<String> imageIds();

    default int imageCount() {
        return imageIds().size();
    }

    /** Returns the position of {@code imageId} in {@link #imageIds()}, or -1. */
    int imageIndex(String imageId);

    /** Decodes stimulus image {@code imageIndex} of {@link #imageIds()}. */
    Stimulus stimulus(int imageIndex);

    /** Returns every stimulus image in order, decoded lazily one at a time. */
    default Stream<Stimulus> stimuli() {
        return java.util.stream.IntStream.range(0, imageCount()).mapToObj(this::stimulus);
    }

    long trialCount();

    /** Reads trial {@code index} (0 to {@link #trialCount()} - 1, recording order). */
    RecordedTrial trial(long index);

    /** Returns the trials in recording order, read lazily one at a time. */
    default Stream<RecordedTrial> trials() {
        return LongStream.range(0, trialCount()).mapToObj(this::trial);
    }

    /** Returns whether trials carry {@link RecordedTrial.Behaviour}. */
    boolean hasBehaviour();

    /** Returns whether trials carry {@link RecordedTrial.PupilPosition}. */
    boolean hasPupilPosition();

    /** Returns whether trials carry start times. */
    boolean hasTimestamps();

    /**
     * Returns the single-trial responses (neurons x images x repeats), or empty when the recording
     * holds only repeat averages (V4 sessions without a raw file).
     */
    Optional<SingleTrials> singleTrials();

    /**
     * Returns each neuron's response to image {@code imageIndex} averaged over every presentation:
     * the repeat-averaged file where the layout has one, otherwise the mean over the image's trials.
     */
    float[] averagedResponse(int imageIndex);
}
