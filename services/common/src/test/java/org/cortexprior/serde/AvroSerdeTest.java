package org.cortexprior.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.cortexprior.avro.Behaviour;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.SessionKey;
import org.cortexprior.avro.Neuron;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.Tier;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

    private static TrialBatch sampleBatch() {
        ByteBuffer responses = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        responses.putFloat(1.5f).putFloat(0f).putFloat(-2.25f).flip();
        Trial trial = Trial.newBuilder().setTrialId(7).setImageId("s1/image0003").setTier(Tier.VALIDATION)
                .setRepeats(10).setResponses(responses)
                .setBehaviour(new Behaviour(3.5f, 1.25f, -0.5f)).build();
        return TrialBatch.newBuilder().setSessionId("m1/s1/1").setBatchIndex(2).setNeuronCount(3)
                .setTrials(List.of(trial)).setLastBatch(true).setPublishedAtMs(1234L).build();
    }

    @Test
    void trialBatchRoundTrips() {
        AvroSerde<TrialBatch> serde = CortexSerdes.trialBatch();
        TrialBatch batch = sampleBatch();

        byte[] bytes = serde.serialize("t", batch);
        TrialBatch decoded = serde.deserialize("t", bytes);

        assertEquals(batch, decoded);
        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
    }

    @Test
    void announcementKeepsOptionalFields() {
        AvroSerde<SessionAnnouncement> serde = CortexSerdes.sessionAnnouncement();
        SessionAnnouncement announcement = SessionAnnouncement.newBuilder()
                .setSessionId("m1/s1/1").setKey(new SessionKey("m1", "s1", 1))
                .setNeurons(List.of(new Neuron("n0", "V4", null), new Neuron("n1", null, "L2/3")))
                .setResponseUnits("spike count per 100 ms").setStimulusImageIds(List.of("a", "b"))
                .setTrialCount(2).build();

        SessionAnnouncement decoded = serde.deserialize("t", serde.serialize("t", announcement));

        assertEquals("V4", decoded.getNeurons().get(0).getArea());
        assertNull(decoded.getNeurons().get(0).getLayer());
        assertEquals("L2/3", decoded.getNeurons().get(1).getLayer());
    }

    @Test
    void olderWriterSchemaIsResolved() throws IOException {
        Schema old;
        try (InputStream in = getClass().getResourceAsStream("/schemas-v0/stimulus-v0.avsc")) {
            old = new Schema.Parser().parse(in);
        }
        GenericRecord record = new GenericData.Record(old);
        record.put("imageId", "img1");
        record.put("width", 2);
        record.put("height", 1);
        record.put("channels", 1);
        record.put("pixels", ByteBuffer.wrap(new byte[] {10, (byte) 200}));
        byte[] bytes = singleObject(old, record);

        AvroSerde<StimulusImage> serde = CortexSerdes.stimulusImage();
        RecordDecodingException beforeRegistration =
                assertThrows(RecordDecodingException.class, () -> serde.deserialize("stimuli", bytes));
        assertEquals(RecordDecodingException.Reason.UNKNOWN_SCHEMA, beforeRegistration.reason());

        SchemaCatalog.global().register(old);
        StimulusImage decoded = serde.deserialize("stimuli", bytes);

        assertEquals("img1", decoded.getImageId());
        assertEquals("", decoded.getProvenance());
        assertArrayEquals(new byte[] {10, (byte) 200}, decoded.getPixels().array());
    }

    @Test
    void unknownFingerprintNamesFingerprint() {
        byte[] bytes = CortexSerdes.trialBatch().serialize("t", sampleBatch());
        bytes[5] ^= 0x5A;

        RecordDecodingException e = assertThrows(RecordDecodingException.class,
                () -> CortexSerdes.trialBatch().deserialize("trials", bytes));

        assertEquals(RecordDecodingException.Reason.UNKNOWN_SCHEMA, e.reason());
        assertTrue(e.getMessage().contains("unknown writer schema fingerprint"), e.getMessage());
        assertTrue(e.getMessage().contains("trials"), e.getMessage());
    }

    @Test
    void corruptBodyIsDeserializationError() {
        byte[] bytes = CortexSerdes.trialBatch().serialize("t", sampleBatch());
        byte[] truncated = java.util.Arrays.copyOf(bytes, 14);

        RecordDecodingException e = assertThrows(RecordDecodingException.class,
                () -> CortexSerdes.trialBatch().deserialize("trials", truncated));

        assertEquals(RecordDecodingException.Reason.DESERIALIZATION, e.reason());
    }

    @Test
    void bytesWithoutMarkerAreRejected() {
        RecordDecodingException e = assertThrows(RecordDecodingException.class,
                () -> CortexSerdes.trialBatch().deserialize("trials", "not avro at all".getBytes()));

        assertEquals(RecordDecodingException.Reason.DESERIALIZATION, e.reason());
        assertTrue(e.getMessage().contains("C3 01"), e.getMessage());
    }

    /** Encodes a generic record the way any Avro single-object writer would. */
    private static byte[] singleObject(Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xC3);
        out.write(0x01);
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(SchemaNormalization.parsingFingerprint64(schema)).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
