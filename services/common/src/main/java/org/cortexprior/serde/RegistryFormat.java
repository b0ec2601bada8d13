package org.cortexprior.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;

/** The Confluent wire format: a zero byte, a 4-byte big-endian schema id, the Avro binary body. */
final class RegistryFormat {

    static final byte MAGIC_BYTE = 0;
    static final int HEADER_BYTES = 5;

    private RegistryFormat() {
    }

    static <T extends SpecificRecordBase> byte[] encode(SchemaRegistryClient registry, String topic, T record,
                                                        Schema schema) {
        int id;
        try {
            id = registry.register(topic + "-value", schema);
        } catch (SchemaRegistryClient.SchemaRegistryException e) {
            throw new SerializationException("Failed to encode " + schema.getName() + " for topic " + topic + ": "
                    + e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<T>(schema, SpecificData.getForSchema(schema)).write(record, encoder);
            encoder.flush();
        } catch (IOException | AvroRuntimeException e) {
            throw new SerializationException("Failed to encode " + schema.getName() + " for topic " + topic + ": "
                    + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    static <T extends SpecificRecordBase> T decode(SchemaRegistryClient registry, String topic, byte[] data,
                                                   Class<T> type, Schema readerSchema) {
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        Schema writer;
        try {
            writer = registry.schema(id);
        } catch (SchemaRegistryClient.SchemaRegistryException e) {
            throw new RecordDecodingException(e.notFound() ? RecordDecodingException.Reason.UNKNOWN_SCHEMA
                    : RecordDecodingException.Reason.DESERIALIZATION,
                    "Cannot decode " + type.getSimpleName() + " on topic " + topic + ": " + e.getMessage(), e);
        }
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, null);
            SpecificDatumReader<T> reader = new SpecificDatumReader<>(writer, readerSchema,
                    SpecificData.getForClass(type));
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new RecordDecodingException(RecordDecodingException.Reason.DESERIALIZATION,
                    "Invalid " + type.getSimpleName() + " on topic " + topic + " (schema id " + id + "): " + e, e);
        }
    }
}
