package org.cortexprior.trainer.internals;

import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.cortexprior.avro.TrainingEvent;
import org.cortexprior.avro.TrainingEventType;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a run's {@link TrainingEvent}s on the training-events topic, keyed by run id. Sends are
 * asynchronous; a failed send is logged and counted, never fatal to training. {@link #none()} drops
 * events for runs without Kafka. Used by the training thread only.
 */
public class TrainingEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrainingEvents.class);

    private final String runId;
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final AvroSerde<TrainingEvent> serde = CortexSerdes.trainingEvent();
    private long failedSends;

    TrainingEvents(String runId, Producer<String, byte[]> producer, String topic) {
        this.runId = runId;
        this.producer = producer;
        this.topic = topic;
    }

    /** Returns events published through a new idempotent producer to {@link Topics#TRAINING_EVENTS}. */
    public static TrainingEvents kafka(String runId, KafkaSettings settings) {
        return new TrainingEvents(runId, new KafkaProducer<>(settings.producer(null)), Topics.TRAINING_EVENTS);
    }

    /** Returns a sink that drops every event. */
    public static TrainingEvents none() {
        return new TrainingEvents(null, null, null);
    }

    public void send(TrainingEventType type, int epoch, long step, Map<String, Double> metrics,
                     Long matrixVersion, String message) {
        if (producer == null) {
            return;
        }
        TrainingEvent event = TrainingEvent.newBuilder()
                .setRunId(runId)
                .setType(type)
                .setEpoch(epoch)
                .setStep(step)
                .setMetrics(Map.copyOf(metrics))
                .setMatrixVersion(matrixVersion)
                .setMessage(message)
                .setTimestampMs(System.currentTimeMillis())
                .build();
        producer.send(new ProducerRecord<>(topic, runId, serde.serialize(topic, event)), (metadata, error) -> {
            if (error != null) {
                failedSends++;
                log.warn("[trainer run={}] Failed to publish {} event at step {} ({} failed so far): {}",
                        runId, type, step, failedSends, error.toString());
            }
        });
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.flush();
            producer.close(java.time.Duration.ofSeconds(30));
        }
    }

    long failedSends() {
        return failedSends;
    }

}
