package org.cortexprior.serde;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.avro.util.ClassSecurityValidator;
import org.cortexprior.avro.Behaviour;
import org.cortexprior.avro.DeadLetter;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.Neuron;
import org.cortexprior.avro.PupilPosition;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.SessionKey;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.Tier;
import org.cortexprior.avro.TrainingEvent;
import org.cortexprior.avro.TrainingEventType;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;

/**
 * The writer schemas this process can decode, looked up by the 64-bit CRC-64-AVRO fingerprint that
 * Avro single-object encoding puts in front of every record.
 *
 * <p>Every current record schema is known from start-up. Older versions of a schema (records
 * written by an earlier release) are added with {@link #register(Schema)}; the decoder then
 * resolves them to the current reader schema with Avro's usual rules (new fields take their
 * defaults). A fingerprint that was never registered fails decoding with
 * {@link org.apache.avro.message.MissingSchemaException}.
 *
 * <p>Thread-safe: lookups and registrations may race freely.
 */
public final class SchemaCatalog implements SchemaStore {

    private static final List<Class<?>> RECORD_CLASSES = List.of(
            SessionKey.class, Neuron.class, SessionAnnouncement.class, StimulusImage.class,
            Tier.class, Behaviour.class, PupilPosition.class, Trial.class, TrialBatch.class,
            ImageSet.class, SimilarityTile.class, TrainingEventType.class, TrainingEvent.class,
            DeadLetter.class);

    private static final SchemaCatalog GLOBAL = new SchemaCatalog();

    static {
        trustGeneratedClasses(RECORD_CLASSES);
    }

    private final Map<Long, Schema> schemasByFingerprint = new ConcurrentHashMap<>();

    private SchemaCatalog() {
        for (Class<?> type : RECORD_CLASSES) {
            if (SpecificRecordBase.class.isAssignableFrom(type)) {
                register(schemaOf(type));
            }
        }
    }

    /** Returns the catalog shared by every serde in this JVM. */
    public static SchemaCatalog global() {
        return GLOBAL;
    }

    /**
     * Adds a writer schema, typically an older version of a record that may still sit on a topic.
     *
     * @return the schema's fingerprint as it appears in single-object encoded bytes
     */
    public long register(Schema schema) {
        long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        schemasByFingerprint.put(fingerprint, schema);
        return fingerprint;
    }

    @Override
    public Schema findByFingerprint(long fingerprint) {
        return schemasByFingerprint.get(fingerprint);
    }

    /**
     * Marks further generated classes as safe for Avro to instantiate while decoding. Avro 1.12
     * refuses to instantiate classes outside an allow-list, so every module that adds its own
     * record types calls this once.
     */
    public static synchronized void trustGeneratedClasses(List<Class<?>> classes) {
        ClassSecurityValidator.Builder builder = ClassSecurityValidator.builder();
        for (Class<?> type : classes) {
            builder.add(type);
        }
        ClassSecurityValidator.setGlobal(
                ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), builder.build()));
    }

    static Schema schemaOf(Class<?> type) {
        try {
            return (Schema) type.getField("SCHEMA$").get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type.getName() + " is not a generated Avro record class", e);
        }
    }
}
