package org.cortexprior.recordings;

import org.cortexprior.avro.Tier;

/**
 * One trial of a session: a stimulus presentation (or the average over repeated presentations of
 * one image) and the response of every neuron.
 *
 * @param trialId index of the trial within its session, in recording order, from 0
 * @param imageId id of the stimulus shown (see {@link Stimulus#imageId()})
 * @param imageIndex position of that image in {@link RecordedSession#imageIds()}
 * @param tier data split the trial belongs to
 * @param repeats how many presentations the responses average: 1 for a single trial,
 *     {@link #UNKNOWN_REPEATS} when the recording holds an average but not how many it took
 * @param responses one value per neuron, in the order of {@link RecordedSession#neurons()}, in
 *     {@link RecordedSession#responseUnits()}; finite. Owned by the caller.
 * @param behaviour behavioural state during the trial, or null where the format has none
 * @param pupilPosition pupil centre during the trial, or null where the format has none
 * @param startTimeUs trial onset in microseconds on the recording's clock, or null where the format
 *     has no timestamps
 */
public record RecordedTrial(long trialId, String imageId, int imageIndex, Tier tier, int repeats,
                            float[] responses, Behaviour behaviour, PupilPosition pupilPosition, Long startTimeUs) {

    /** Value of {@link #repeats()} for an average over an unknown number of presentations. */
    public static final int UNKNOWN_REPEATS = 0;

    /**
     * Behavioural state during a trial, in the recording's units.
     *
     * @param runningSpeed treadmill speed (usually cm/s)
     * @param pupilSize pupil diameter
     * @param pupilSizeChange derivative of the pupil diameter over the trial
     */
    public record Behaviour(float runningSpeed, float pupilSize, float pupilSizeChange) {
    }

    /**
     * Pupil centre during a trial.
     *
     * @param x horizontal position in camera pixels
     * @param y vertical position in camera pixels
     */
    public record PupilPosition(float x, float y) {
    }
}
