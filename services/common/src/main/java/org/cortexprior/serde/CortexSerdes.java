package org.cortexprior.serde;

import org.cortexprior.avro.DeadLetter;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.TrainingEvent;
import org.cortexprior.avro.TrialBatch;

/**
 * Serdes for every record type that crosses a cortexprior topic, and the process-wide choice of
 * wire format. Each call returns a new serde; all of them follow {@link #configure}.
 */
public final class CortexSerdes {

    /** Base URL of a Confluent-compatible schema registry; when set, records are written in its format. */
    public static final String REGISTRY_URL = "schema.registry.url";

    /** {@code user:password} for the registry's HTTP Basic authentication. */
    public static final String REGISTRY_USER_INFO = "schema.registry.basic.auth.user.info";

    private static volatile SchemaRegistryClient registry;

    private CortexSerdes() {
    }

    /**
     * Chooses the wire format for this process from the configuration: the Confluent wire format
     * through the registry at {@link #REGISTRY_URL} when it is set, otherwise Avro single-object
     * encoding with no registry. Services call it once at start-up.
     */
    public static void configure(org.cortexprior.runtime.ServiceConfig config) {
        String url = config.get(REGISTRY_URL).orElse(null);
        useRegistry(url == null || url.isBlank() ? null
                : new SchemaRegistryClient(url, config.get(REGISTRY_USER_INFO).orElse(null)));
    }

    /** Sets the registry client every serde of this process uses, or null for no registry. */
    public static void useRegistry(SchemaRegistryClient client) {
        registry = client;
    }

    /** Returns the configured registry client, or null. */
    public static SchemaRegistryClient registry() {
        return registry;
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
