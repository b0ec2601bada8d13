package org.cortexprior.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.cortexprior.avro.DeadLetter;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;

/**
 * Builds and publishes {@link DeadLetter} records: the original key and value bytes, where they
 * came from, and a reason code plus a message that names the field and what was wrong.
 *
 * <p>Reason codes in use: {@code deserialization}, {@code unknown-schema}, {@code invalid-values},
 * {@code neuron-count-mismatch}, {@code unknown-session}, {@code record-too-large},
 * {@code processing}.
 *
 * <p>Thread-safe.
 */
public final class DeadLetters {

    private static final AvroSerde<DeadLetter> SERDE = CortexSerdes.deadLetter();

    private DeadLetters() {
    }

    /** Builds a dead letter for a record read from Kafka. */
    public static DeadLetter of(String application, String topic, int partition, long offset,
                                byte[] key, byte[] value, String reason, String error) {
        return DeadLetter.newBuilder()
                .setSourceTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setReason(reason)
                .setError(error)
                .setApplication(application)
                .setTimestampMs(System.currentTimeMillis())
                .build();
    }

    /** Builds a dead letter for a consumed record with byte-array value and string key. */
    public static DeadLetter of(String application, ConsumerRecord<String, byte[]> record, String reason, String error) {
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        return of(application, record.topic(), record.partition(), record.offset(), key, record.value(), reason, error);
    }

    /** Encodes a dead letter as the value bytes written to {@link Topics#DEAD_LETTERS}. */
    public static byte[] encode(DeadLetter letter) {
        return SERDE.serialize(Topics.DEAD_LETTERS, letter);
    }

    /** Decodes a dead-letter value. */
    public static DeadLetter decode(byte[] value) {
        return SERDE.deserialize(Topics.DEAD_LETTERS, value);
    }

    /** Sends a dead letter keyed by its source topic; inside a transaction when the producer has one open. */
    public static void send(Producer<String, byte[]> producer, DeadLetter letter) {
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS, letter.getSourceTopic(), encode(letter)));
    }
}
