package org.cortexprior.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for generated Avro records in Avro single-object encoding: two marker bytes
 * {@code C3 01}, the writer schema's 8-byte CRC-64-AVRO fingerprint (little-endian), then the
 * binary-encoded record. No schema registry is needed: writer schemas are looked up in
 * {@link SchemaCatalog}.
 *
 * <p>When a schema registry is configured ({@link CortexSerdes#configure}), records are written in
 * the Confluent wire format instead: a zero byte, the writer schema's 4-byte big-endian registry id,
 * then the binary-encoded record, with the schema registered under the subject
 * {@code <topic>-value}. Decoding reads both formats, whichever the first byte announces, so a topic
 * may hold records from before and after a switch.
 *
 * <p>Decoding failures raise {@link RecordDecodingException}, which names the record type and
 * says whether the fingerprint was unknown or the body was corrupt, so that stream processors can
 * route the bytes to the dead-letter topic with that reason.
 *
 * <p>Thread-safe: Avro's message encoder and decoder keep per-thread buffers.
 *
 * @param <T> the generated record class
 */
public final class AvroSerde<T extends SpecificRecordBase> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private AvroSerde(Class<T> type, SchemaCatalog catalog) {
        this.type = type;
        Schema schema = SchemaCatalog.schemaOf(type);
        SpecificData model = SpecificData.getForClass(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema, catalog);
    }

    /** Creates a serde for {@code type} that resolves writer schemas in the global catalog. */
    public static <T extends SpecificRecordBase> AvroSerde<T> of(Class<T> type) {
        return new AvroSerde<>(type, SchemaCatalog.global());
    }

    /** Returns the record class this serde reads and writes. */
    public Class<T> type() {
        return type;
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        SchemaRegistryClient registry = CortexSerdes.registry();
        if (registry != null) {
            return RegistryFormat.encode(registry, topic, record, SchemaCatalog.schemaOf(type));
        }
        try {
            ByteBuffer buffer = encoder.encode(record);
            return Arrays.copyOfRange(buffer.array(), buffer.arrayOffset() + buffer.position(),
                    buffer.arrayOffset() + buffer.limit());
        } catch (IOException | AvroRuntimeException e) {
            throw new SerializationException("Failed to encode " + type.getSimpleName()
                    + " for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        return decode(topic, data);
    }

    /**
     * Decodes one record.
     *
     * @throws RecordDecodingException with reason {@code unknown-schema} when the fingerprint is not
     *     in the catalog, or {@code deserialization} when the bytes are not a valid record
     */
    public T decode(String topic, byte[] data) {
        SchemaRegistryClient registry = CortexSerdes.registry();
        if (registry != null && data.length >= RegistryFormat.HEADER_BYTES && data[0] == RegistryFormat.MAGIC_BYTE) {
            return RegistryFormat.decode(registry, topic, data, type, SchemaCatalog.schemaOf(type));
        }
        if (data.length < 10 || data[0] != (byte) 0xC3 || data[1] != (byte) 0x01) {
            throw new RecordDecodingException(RecordDecodingException.Reason.DESERIALIZATION,
                    "Invalid " + type.getSimpleName() + " on topic " + topic
                            + ": bytes do not start with the Avro single-object marker C3 01 ("
                            + data.length + " bytes)");
        }
        try {
            return decoder.decode(data);
        } catch (MissingSchemaException e) {
            long fingerprint = ByteBuffer.wrap(data, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            throw new RecordDecodingException(RecordDecodingException.Reason.UNKNOWN_SCHEMA,
                    "Cannot decode " + type.getSimpleName() + " on topic " + topic
                            + ": unknown writer schema fingerprint " + String.format("%016x", fingerprint)
                            + "; register that schema version with SchemaCatalog.register", e);
        } catch (IOException | RuntimeException e) {
            throw new RecordDecodingException(RecordDecodingException.Reason.DESERIALIZATION,
                    "Invalid " + type.getSimpleName() + " on topic " + topic + ": " + e, e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // Nothing to configure: the record type is fixed at construction.
    }

    @Override
    public void close() {
        // Nothing to release: the encoder and decoder hold only thread-local buffers.
    }
}
