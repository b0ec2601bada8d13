package org.cortexprior.recordings;

/** The file layouts {@link Recording#open(java.nio.file.Path)} recognises. */
public enum RecordingLayout {
    /**
     * Macaque V4 responses (Cowley, Stan, Pillow and Smith 2023): a folder with
     * {@code images/images_<session>.zip} (JPEG files {@code imageNNNN.jpg}),
     * {@code responses_repeat_averaged/responses_<session>.npy} (neurons x images) and optionally
     * {@code responses_raw/responses_<session>.npy} (neurons x images x repeats, NaN-padded).
     */
    V4_COWLEY2023,
    /**
     * The neuralpredictors / Sensorium "static" layout, as a folder or zip: {@code data/images},
     * {@code data/responses}, {@code data/behavior}, {@code data/pupil_center} with one
     * {@code <trial>.npy} each, and {@code meta/trials}, {@code meta/neurons}. A folder of several
     * such folders or zips opens as one session each.
     */
    SENSORIUM_STATIC,
    /**
     * A folder or {@code .npz} with {@code images.npy} (N x H x W or N x H x W x C, uint8 or float),
     * {@code responses.npy} (trials x neurons) and optionally {@code image_ids.npy},
     * {@code tiers.npy}, {@code timestamps.npy} (seconds) and {@code unit_ids.npy}.
     */
    GENERIC
}
