package org.cortexprior.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.cortexprior.avro.DeadLetter;
import org.cortexprior.avro.Tier;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Writes Avro records through a real local broker (KRaft, 127.0.0.1) and reads them back: committed
 * transactions are visible to read_committed consumers, aborted ones are not, and bytes that are
 * not a valid record go to the dead-letter topic while consumption continues.
 */
class KafkaRoundTripIT {

    @TempDir
    static Path brokerDir;

    private static LocalBroker broker;
    private static KafkaSettings settings;

    @BeforeAll
    static void startBroker() {
        broker = LocalBroker.builder().dataDir(brokerDir).heap("512m").start();
        settings = KafkaSettings.of(broker.bootstrapServers());
        try (Admin admin = Admin.create(settings.admin())) {
            Topics.ensure(admin, 1, (short) 1);
        }
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static TrialBatch batch(long index, float value) {
        ByteBuffer responses = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).putFloat(-value);
        responses.flip();
        Trial trial = Trial.newBuilder().setTrialId(index).setImageId("img" + index).setTier(Tier.TRAIN)
                .setRepeats(1).setResponses(responses).build();
        return TrialBatch.newBuilder().setSessionId("m/s/1").setBatchIndex(index).setNeuronCount(2)
                .setTrials(List.of(trial)).build();
    }

    private static String newTopic() throws Exception {
        String name = "roundtrip-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(settings.admin())) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        }
        return name;
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer(null))) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(topic, 0)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.currentTimeMillis() + 20_000;
            while (records.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // One more poll so that records beyond the expected count would be seen.
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }

    @Test
    void committedTransactionsAreReadAbortedAreNot() throws Exception {
        String topic = newTopic();
        AvroSerde<TrialBatch> serde = CortexSerdes.trialBatch();

        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("roundtrip-" + topic))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "m/s/1", serde.serialize(topic, batch(0, 1f))));
            producer.send(new ProducerRecord<>(topic, "m/s/1", serde.serialize(topic, batch(1, 2f))));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "m/s/1", serde.serialize(topic, batch(99, 99f))));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "m/s/1", serde.serialize(topic, batch(2, 3f))));
            producer.commitTransaction();
        }

        List<ConsumerRecord<String, byte[]>> records = readAll(topic, 3);
        List<Long> indexes = records.stream().map(r -> serde.deserialize(topic, r.value()).getBatchIndex()).toList();

        assertEquals(List.of(0L, 1L, 2L), indexes);
        TrialBatch last = serde.deserialize(topic, records.get(2).value());
        assertEquals(3f, last.getTrials().get(0).getResponses().order(ByteOrder.LITTLE_ENDIAN).getFloat(0));
    }

    @Test
    void invalidBytesGoToDeadLettersAndConsumptionContinues() throws Exception {
        String topic = newTopic();
        AvroSerde<TrialBatch> serde = CortexSerdes.trialBatch();
        byte[] garbage = "definitely not a trial batch".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer(null))) {
            producer.send(new ProducerRecord<>(topic, "m/s/1", serde.serialize(topic, batch(0, 1f))));
            producer.send(new ProducerRecord<>(topic, "m/s/1", garbage));
            producer.send(new ProducerRecord<>(topic, "m/s/1", serde.serialize(topic, batch(1, 2f))));
            producer.flush();
        }

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<Long> processed = new ArrayList<>();
        try (KafkaProducer<String, byte[]> dlqProducer = new KafkaProducer<>(settings.producer(null))) {
            DeadLetterRouter router = new DeadLetterRouter("roundtrip-test", dlqProducer, registry);
            for (ConsumerRecord<String, byte[]> record : readAll(topic, 3)) {
                router.decode(record, serde).ifPresent(b -> processed.add(b.getBatchIndex()));
            }
            dlqProducer.flush();
        }

        assertEquals(List.of(0L, 1L), processed);
        assertEquals(1.0, registry.get("dead.letters").tag("reason", "deserialization").counter().count());
        List<DeadLetter> letters = readAll(Topics.DEAD_LETTERS, 1).stream()
                .map(r -> DeadLetters.decode(r.value()))
                .filter(l -> l.getSourceTopic().equals(topic))
                .toList();
        assertEquals(1, letters.size());
        DeadLetter letter = letters.get(0);
        assertEquals("deserialization", letter.getReason());
        assertEquals(1L, letter.getOffset());
        assertEquals("roundtrip-test", letter.getApplication());
        assertTrue(letter.getError().contains("TrialBatch"), letter.getError());
        assertEquals(ByteBuffer.wrap(garbage), letter.getValue());
    }

    @Test
    void takenPortIsReportedClearly() {
        LocalBroker.PortInUseException e = org.junit.jupiter.api.Assertions.assertThrows(
                LocalBroker.PortInUseException.class,
                () -> LocalBroker.builder().dataDir(brokerDir.resolve("second")).port(broker.port()).start());

        assertTrue(e.getMessage().contains("already in use"), e.getMessage());
    }
}
