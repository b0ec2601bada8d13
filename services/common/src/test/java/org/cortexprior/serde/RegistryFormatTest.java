package org.cortexprior.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.Tier;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Tests the Confluent wire format against a schema registry that implements the two REST calls the
 * client makes, as Confluent's registry documents them. NOTE: no Confluent-compatible registry can
 * run on the build machines (none is on Maven Central in runnable form and there is no Docker
 * engine), so this registry is a stand-in served from the test on 127.0.0.1.
 */
class RegistryFormatTest {

    private HttpServer server;
    private final Map<Integer, String> schemas = new ConcurrentHashMap<>();
    private final List<String> subjects = new ArrayList<>();

    @BeforeEach
    void startRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        ObjectMapper json = new ObjectMapper();
        server.createContext("/subjects/", exchange -> {
            String subject = exchange.getRequestURI().getPath().split("/")[2];
            String schema = json.readTree(exchange.getRequestBody()).path("schema").asText();
            int id = schemas.entrySet().stream().filter(e -> e.getValue().equals(schema)).map(Map.Entry::getKey)
                    .findFirst().orElseGet(() -> {
                        int next = schemas.size() + 1;
                        schemas.put(next, schema);
                        return next;
                    });
            synchronized (subjects) {
                subjects.add(subject);
            }
            respond(exchange, 200, json.writeValueAsString(Map.of("id", id)));
        });
        server.createContext("/schemas/ids/", exchange -> {
            int id = Integer.parseInt(exchange.getRequestURI().getPath().substring("/schemas/ids/".length()));
            String schema = schemas.get(id);
            if (schema == null) {
                respond(exchange, 404, "{\"error_code\":40403,\"message\":\"Schema " + id + " not found\"}");
            } else {
                respond(exchange, 200, json.writeValueAsString(Map.of("schema", schema)));
            }
        });
        server.start();
        CortexSerdes.useRegistry(new SchemaRegistryClient("http://127.0.0.1:" + server.getAddress().getPort(), null));
    }

    @AfterEach
    void stopRegistry() {
        CortexSerdes.useRegistry(null);
        server.stop(0);
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static TrialBatch batch() {
        ByteBuffer responses = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f);
        responses.flip();
        Trial trial = Trial.newBuilder().setTrialId(1).setImageId("img").setTier(Tier.TEST).setResponses(responses).build();
        return TrialBatch.newBuilder().setSessionId("a/b/1").setBatchIndex(0).setNeuronCount(1)
                .setTrials(List.of(trial)).build();
    }

    @Test
    void recordRoundTripsInConfluentFormat() {
        AvroSerde<TrialBatch> serde = CortexSerdes.trialBatch();

        byte[] bytes = serde.serialize("cortexprior.trials", batch());
        TrialBatch decoded = serde.deserialize("cortexprior.trials", bytes);

        assertEquals(0, bytes[0]);
        assertEquals(1, ByteBuffer.wrap(bytes, 1, 4).getInt());
        assertEquals(List.of("cortexprior.trials-value"), subjects);
        assertEquals(batch(), decoded);
    }

    @Test
    void singleObjectRecordsStillDecode() {
        CortexSerdes.useRegistry(null);
        byte[] singleObject = CortexSerdes.trialBatch().serialize("t", batch());
        CortexSerdes.useRegistry(new SchemaRegistryClient("http://127.0.0.1:" + server.getAddress().getPort(), null));

        TrialBatch decoded = CortexSerdes.trialBatch().deserialize("t", singleObject);

        assertEquals(batch(), decoded);
    }

    @Test
    void olderWriterSchemaFromRegistryResolves() throws IOException {
        Schema old;
        try (InputStream in = getClass().getResourceAsStream("/schemas-v0/stimulus-v0.avsc")) {
            old = new Schema.Parser().parse(in);
        }
        schemas.put(41, old.toString());
        GenericRecord record = new GenericData.Record(old);
        record.put("imageId", "img7");
        record.put("width", 1);
        record.put("height", 1);
        record.put("channels", 1);
        record.put("pixels", ByteBuffer.wrap(new byte[] {9}));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(41).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(old).write(record, encoder);
        encoder.flush();

        StimulusImage decoded = CortexSerdes.stimulusImage().deserialize("cortexprior.stimuli", out.toByteArray());

        assertEquals("img7", decoded.getImageId());
        assertEquals("", decoded.getProvenance());
    }

    @Test
    void unknownSchemaIdIsUnknownSchema() {
        byte[] bytes = {0, 0, 0, 0, 99, 2, 4};

        RecordDecodingException e = assertThrows(RecordDecodingException.class,
                () -> CortexSerdes.trialBatch().deserialize("cortexprior.trials", bytes));

        assertEquals(RecordDecodingException.Reason.UNKNOWN_SCHEMA, e.reason());
        assertTrue(e.getMessage().contains("schema id 99") || e.getMessage().contains("ids/99"), e.getMessage());
    }

    @Test
    void unreachableRegistryNamesUrl() {
        server.stop(0);
        org.apache.kafka.common.errors.SerializationException e = assertThrows(
                org.apache.kafka.common.errors.SerializationException.class,
                () -> CortexSerdes.trialBatch().serialize("cortexprior.trials", batch()));

        assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
    }
}
