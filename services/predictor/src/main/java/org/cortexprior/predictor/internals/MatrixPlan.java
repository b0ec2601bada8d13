package org.cortexprior.predictor.internals;

import java.util.ArrayList;
import java.util.List;

import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.predictor.PredictorConfig;

/** A matrix a session contributes to, over which image set, and whether from the model or raw responses. */
public record MatrixPlan(String matrixId, String imageSetId, List<String> imageIds, boolean raw) {

    /**
     * Returns the matrices a session contributes to under the configured image-set mode; an entry's
     * image ids are null while its image set has not been built yet.
     */
    public static List<MatrixPlan> forSession(PredictorConfig.ImageSetMode mode, SessionAnnouncement announcement,
                                              PredictorStores stores) {
        String sessionId = announcement.getSessionId();
        List<MatrixPlan> plans = new ArrayList<>();
        List<String> union = ids(stores.imageSet(StoreNames.UNION_IMAGE_SET));
        switch (mode) {
            case UNION -> plans.add(new MatrixPlan(StoreNames.NEURAL_MATRIX, StoreNames.UNION_IMAGE_SET, union, false));
            case LIST -> plans.add(new MatrixPlan(StoreNames.NEURAL_MATRIX, StoreNames.LIST_IMAGE_SET,
                    ids(stores.imageSet(StoreNames.LIST_IMAGE_SET)), false));
            case PER_SESSION -> plans.add(new MatrixPlan(StoreNames.perSessionMatrix(sessionId),
                    StoreNames.perSessionImageSet(sessionId), List.copyOf(announcement.getStimulusImageIds()), false));
        }
        if (mode == PredictorConfig.ImageSetMode.LIST) {
            plans.add(new MatrixPlan(StoreNames.RAW_MATRIX, StoreNames.LIST_IMAGE_SET,
                    ids(stores.imageSet(StoreNames.LIST_IMAGE_SET)), true));
        } else if (mode == PredictorConfig.ImageSetMode.PER_SESSION) {
            // Observed responses exist only for a session's own images, so in this mode the raw matrix
            // is per session too; a union-wide raw matrix would be mostly empty and costs
            // (union size)^2 work on every update.
            plans.add(new MatrixPlan(StoreNames.perSessionRawMatrix(sessionId), StoreNames.perSessionImageSet(sessionId),
                    List.copyOf(announcement.getStimulusImageIds()), true));
        } else {
            plans.add(new MatrixPlan(StoreNames.RAW_MATRIX, StoreNames.UNION_IMAGE_SET, union, true));
        }
        return plans;
    }

    private static List<String> ids(ImageSet set) {
        return set == null ? null : List.copyOf(set.getImageIds());
    }

    /** Returns whether the image set is known and contains the session's images (for the union). */
    public boolean ready(SessionAnnouncement announcement) {
        if (imageIds == null) {
            return false;
        }
        if (!imageSetId.equals(StoreNames.UNION_IMAGE_SET)) {
            return true;
        }
        return new java.util.HashSet<>(imageIds).containsAll(announcement.getStimulusImageIds());
    }
}
