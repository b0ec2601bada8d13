package org.cortexprior.kafka;

import java.util.Optional;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.cortexprior.avro.DeadLetter;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.RecordDecodingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Decodes consumed records and routes the ones that cannot be used to the dead-letter topic, so a
 * consumer loop moves on to the next record instead of failing or skipping silently.
 *
 * <p>Each routed record increments the counter {@code cortexprior_dead_letters_total} with the
 * tags {@code application} and {@code reason} (a fixed set of codes, see {@link DeadLetters}), and
 * is logged at WARN with its topic, partition and offset; the log is rate-limited to the first 20
 * records per router, after which only the counter grows.
 *
 * <p>Dead letters are sent with the given producer; when that producer is transactional and a
 * transaction is open, they commit or abort with it. Not thread-safe: one consumer thread uses it.
 */
public final class DeadLetterRouter {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterRouter.class);
    private static final int LOGGED_LIMIT = 20;

    private final String application;
    private final Producer<String, byte[]> producer;
    private final MeterRegistry registry;
    private long routed;

    public DeadLetterRouter(String application, Producer<String, byte[]> producer, MeterRegistry registry) {
        this.application = application;
        this.producer = producer;
        this.registry = registry;
    }

    /**
     * Decodes a record's value; on failure sends it to the dead-letter topic with reason
     * {@code deserialization} or {@code unknown-schema} and returns empty.
     */
    public <T extends SpecificRecordBase> Optional<T> decode(ConsumerRecord<String, byte[]> record, AvroSerde<T> serde) {
        if (record.value() == null) {
            route(record, "deserialization", "Record on " + record.topic() + " has a null value where a "
                    + serde.type().getSimpleName() + " was expected");
            return Optional.empty();
        }
        try {
            return Optional.of(serde.decode(record.topic(), record.value()));
        } catch (RecordDecodingException e) {
            route(record, e.reason().code(), e.getMessage());
            return Optional.empty();
        }
    }

    /** Sends a record to the dead-letter topic with a reason code and a message, and counts it. */
    public void route(ConsumerRecord<String, byte[]> record, String reason, String error) {
        DeadLetter letter = DeadLetters.of(application, record, reason, error);
        DeadLetters.send(producer, letter);
        count(reason);
        if (++routed <= LOGGED_LIMIT) {
            log.warn("Routed record {}-{}@{} to {} (reason {}): {}{}", record.topic(), record.partition(),
                    record.offset(), Topics.DEAD_LETTERS, reason, error,
                    routed == LOGGED_LIMIT ? " (further dead letters are only counted)" : "");
        }
    }

    /** Returns how many records this router has sent to the dead-letter topic. */
    public long routedCount() {
        return routed;
    }

    private void count(String reason) {
        if (registry != null) {
            Counter.builder("dead.letters")
                    .description("Records sent to the dead-letter topic because they could not be processed")
                    .tag("application", application)
                    .tag("reason", reason)
                    .register(registry)
                    .increment();
        }
    }
}
