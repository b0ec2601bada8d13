package org.cortexprior.serde;

import org.cortexprior.avro.DeadLetter;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.TrainingEvent;
import org.cortexprior.avro.TrialBatch;

/** Serdes for every record type that crosses a cortexprior topic. Each call returns a new serde. */
public final class CortexSerdes {

    private CortexSerdes() {
    }

    public static AvroSerde<SessionAnnouncement> sessionAnnouncement() {
        return AvroSerde.of(SessionAnnouncement.class);
    }

    public static AvroSerde<StimulusImage> stimulusImage() {
        return AvroSerde.of(StimulusImage.class);
    }

    public static AvroSerde<TrialBatch> trialBatch() {
        return AvroSerde.of(TrialBatch.class);
    }

    public static AvroSerde<ImageSet> imageSet() {
        return AvroSerde.of(ImageSet.class);
    }

    public static AvroSerde<SimilarityTile> similarityTile() {
        return AvroSerde.of(SimilarityTile.class);
    }

    public static AvroSerde<TrainingEvent> trainingEvent() {
        return AvroSerde.of(TrainingEvent.class);
    }

    public static AvroSerde<DeadLetter> deadLetter() {
        return AvroSerde.of(DeadLetter.class);
    }
}
