package org.cortexprior.predictor.internals;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.cortexprior.avro.DeadLetter;
import org.cortexprior.kafka.DeadLetters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base of the predictor's processors: String keys, encoded record values, and a dead-letter route
 * that keeps the original bytes with a reason code. Rejected records never stop processing.
 */
abstract class RoutingProcessor extends ContextualProcessor<String, byte[], String, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(RoutingProcessor.class);

    protected final PredictorMetrics metrics;
    private final String application;

    RoutingProcessor(String application, PredictorMetrics metrics) {
        this.application = application;
        this.metrics = metrics;
    }

    /** Sends the current record to the dead-letter topic with a reason code and a message naming the field. */
    protected void deadLetter(Record<String, byte[]> record, String reason, String error) {
        RecordMetadata source = context().recordMetadata().orElseThrow();
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetters.of(application, source.topic(), source.partition(), source.offset(),
                key, record.value(), reason, error);
        context().forward(new Record<>(source.topic(), DeadLetters.encode(letter), record.timestamp()),
                PredictorTopology.DEAD_LETTER_SINK);
        metrics.deadLetter(reason);
        log.warn("[predictor {}-{}@{}] Rejected record key={} ({}): {}", source.topic(), source.partition(),
                source.offset(), record.key(), reason, error);
    }

    /** Returns the topic of the record being processed. */
    protected String sourceTopic() {
        return context().recordMetadata().map(RecordMetadata::topic).orElse("");
    }
}
