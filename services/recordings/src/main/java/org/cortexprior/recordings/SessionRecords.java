package org.cortexprior.recordings;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import org.cortexprior.avro.Behaviour;
import org.cortexprior.avro.Neuron;
import org.cortexprior.avro.PupilPosition;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.SessionKey;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;

/**
 * Converts a {@link RecordedSession} to the Avro records that cross Kafka: one
 * {@link SessionAnnouncement} (sessions topic, key {@code sessionId}), one {@link StimulusImage}
 * per image (stimuli topic, key {@code imageId}) and {@link TrialBatch}es of consecutive trials
 * (trials topic, key {@code sessionId}). Stateless and thread-safe.
 */
public final class SessionRecords {

    /** Target encoded size of one trial batch used by {@link #defaultTrialsPerBatch(int)}: 256 KiB. */
    public static final int TARGET_BATCH_BYTES = 256 * 1024;

    /** Largest default batch, in trials, so small sessions still arrive in several steps. */
    public static final int MAX_DEFAULT_TRIALS_PER_BATCH = 500;

    private SessionRecords() {
    }

    /**
     * Returns a batch size, in trials, whose encoded batch stays near {@link #TARGET_BATCH_BYTES}:
     * each trial costs 4 bytes per neuron plus about 64 bytes of ids and fields.
     */
    public static int defaultTrialsPerBatch(int neuronCount) {
        int perTrial = 4 * neuronCount + 64;
        return Math.max(1, Math.min(MAX_DEFAULT_TRIALS_PER_BATCH, TARGET_BATCH_BYTES / perTrial));
    }

    /** Builds the session announcement; {@code source} names the recording (a path or data set). */
    public static SessionAnnouncement announcement(RecordedSession session, String source, long announcedAtMs) {
        List<Neuron> neurons = new ArrayList<>(session.neuronCount());
        for (RecordedNeuron neuron : session.neurons()) {
            neurons.add(new Neuron(neuron.id(), neuron.area(), neuron.layer()));
        }
        SessionId id = session.id();
        return SessionAnnouncement.newBuilder()
                .setSessionId(id.canonical())
                .setKey(new SessionKey(id.animal(), id.session(), id.scan()))
                .setNeurons(neurons)
                .setResponseUnits(session.responseUnits())
                .setStimulusImageIds(new ArrayList<>(session.imageIds()))
                .setTrialCount(session.trialCount())
                .setHasBehaviour(session.hasBehaviour())
                .setHasPupilPosition(session.hasPupilPosition())
                .setSource(source)
                .setAnnouncedAtMs(announcedAtMs)
                .build();
    }

    public static StimulusImage stimulusImage(Stimulus stimulus) {
        return StimulusImage.newBuilder()
                .setImageId(stimulus.imageId())
                .setWidth(stimulus.width())
                .setHeight(stimulus.height())
                .setChannels(stimulus.channels())
                .setPixels(ByteBuffer.wrap(stimulus.pixels()))
                .setProvenance(stimulus.provenance())
                .build();
    }

    /** Converts a trial; responses become float32 little-endian bytes. */
    public static Trial trial(RecordedTrial trial) {
        ByteBuffer responses = ByteBuffer.allocate(trial.responses().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        responses.asFloatBuffer().put(trial.responses());
        RecordedTrial.Behaviour behaviour = trial.behaviour();
        RecordedTrial.PupilPosition pupil = trial.pupilPosition();
        return Trial.newBuilder()
                .setTrialId(trial.trialId())
                .setImageId(trial.imageId())
                .setTier(trial.tier())
                .setRepeats(trial.repeats())
                .setResponses(responses)
                .setBehaviour(behaviour == null ? null
                        : new Behaviour(behaviour.runningSpeed(), behaviour.pupilSize(), behaviour.pupilSizeChange()))
                .setPupilPosition(pupil == null ? null : new PupilPosition(pupil.x(), pupil.y()))
                .setStartTimeUs(trial.startTimeUs())
                .build();
    }

    /** Decodes the float32 little-endian responses of an Avro trial. */
    public static float[] responses(Trial trial) {
        ByteBuffer bytes = trial.getResponses().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    /** Builds one batch from consecutive trials. */
    public static TrialBatch trialBatch(RecordedSession session, long batchIndex, List<RecordedTrial> trials,
                                       boolean lastBatch, long publishedAtMs) {
        List<Trial> converted = new ArrayList<>(trials.size());
        for (RecordedTrial trial : trials) {
            converted.add(trial(trial));
        }
        return TrialBatch.newBuilder()
                .setSessionId(session.sessionId())
                .setBatchIndex(batchIndex)
                .setNeuronCount(session.neuronCount())
                .setTrials(converted)
                .setLastBatch(lastBatch)
                .setPublishedAtMs(publishedAtMs)
                .build();
    }

    /** Returns the number of batches {@link #trialBatches} yields. */
    public static long batchCount(RecordedSession session, int trialsPerBatch) {
        return (session.trialCount() + trialsPerBatch - 1) / trialsPerBatch;
    }

    /**
     * Returns the session's trials as batches of {@code trialsPerBatch}, in recording order, read
     * lazily; the last has {@code lastBatch} set. Publication times are stamped when each batch is
     * built.
     */
    public static Iterator<TrialBatch> trialBatches(RecordedSession session, int trialsPerBatch) {
        if (trialsPerBatch < 1) {
            throw new IllegalArgumentException("trials per batch must be at least 1, not " + trialsPerBatch);
        }
        long total = session.trialCount();
        return new Iterator<>() {
            private long next;
            private long batchIndex;

            @Override
            public boolean hasNext() {
                return next < total;
            }

            @Override
            public TrialBatch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                long end = Math.min(total, next + trialsPerBatch);
                List<RecordedTrial> trials = new ArrayList<>((int) (end - next));
                for (long t = next; t < end; t++) {
                    trials.add(session.trial(t));
                }
                next = end;
                return trialBatch(session, batchIndex++, trials, end == total, System.currentTimeMillis());
            }
        };
    }
}
