package org.cortexprior.serde;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Client of a schema registry that speaks the Confluent Schema Registry REST API (Confluent's
 * registry, Apicurio's {@code /apis/ccompat/v7} endpoint, Karapace, Redpanda). It uses two calls:
 * {@code POST /subjects/{subject}/versions} to register a writer schema and learn its id, and
 * {@code GET /schemas/ids/{id}} to fetch a writer schema by id. Both answers are cached for the
 * life of the client, since ids never change meaning.
 *
 * <p>Credentials, when given as {@code user:password}, go in an HTTP Basic header and are never
 * logged. Thread-safe.
 */
public final class SchemaRegistryClient {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final URI baseUrl;
    private final String authorization;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Integer> idsBySubjectAndFingerprint = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /**
     * @param baseUrl the registry's base URL, for example {@code http://127.0.0.1:8081}
     * @param userInfo {@code user:password} for HTTP Basic authentication, or null
     */
    public SchemaRegistryClient(String baseUrl, String userInfo) {
        String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.baseUrl = URI.create(trimmed);
        this.authorization = userInfo == null || userInfo.isBlank() ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Returns the registry's base URL. */
    public URI baseUrl() {
        return baseUrl;
    }

    /**
     * Registers {@code schema} under {@code subject} (a no-op in the registry when it is already
     * there) and returns its global id.
     *
     * @throws SchemaRegistryException when the registry rejects the schema or cannot be reached
     */
    public int register(String subject, Schema schema) {
        String key = subject + "@" + SchemaNormalization.parsingFingerprint64(schema);
        Integer cached = idsBySubjectAndFingerprint.get(key);
        if (cached != null) {
            return cached;
        }
        String body;
        try {
            body = json.writeValueAsString(Map.of("schema", schema.toString()));
        } catch (IOException e) {
            throw new SchemaRegistryException("Cannot encode schema " + schema.getFullName() + ": " + e.getMessage(), e);
        }
        String path = "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions";
        JsonNode answer = send(HttpRequest.newBuilder(baseUrl.resolve(baseUrl.getPath() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)), "register " + schema.getFullName() + " under subject " + subject);
        int id = answer.path("id").asInt(-1);
        if (id < 0) {
            throw new SchemaRegistryException("Schema registry " + baseUrl + " returned no id when registering "
                    + schema.getFullName() + " under subject " + subject + ": " + answer, false);
        }
        idsBySubjectAndFingerprint.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /**
     * Returns the writer schema with global id {@code id}.
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#notFound()} true when the
     *     registry has no such id
     */
    public Schema schema(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send(HttpRequest.newBuilder(baseUrl.resolve(baseUrl.getPath() + "/schemas/ids/" + id)).GET(),
                "fetch schema id " + id);
        Schema schema = new Schema.Parser().parse(answer.path("schema").asText());
        schemasById.put(id, schema);
        return schema;
    }

    private JsonNode send(HttpRequest.Builder request, String action) {
        request.header("Content-Type", CONTENT_TYPE).header("Accept", CONTENT_TYPE).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SchemaRegistryException("Failed to " + action + ": schema registry " + baseUrl
                    + " cannot be reached (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while trying to " + action, e);
        }
        JsonNode body;
        try {
            body = response.body().isBlank() ? json.createObjectNode() : json.readTree(response.body());
        } catch (IOException e) {
            throw new SchemaRegistryException("Failed to " + action + ": schema registry " + baseUrl
                    + " returned HTTP " + response.statusCode() + " with a body that is not JSON", e);
        }
        if (response.statusCode() == 404) {
            throw new SchemaRegistryException("Failed to " + action + ": not found in schema registry " + baseUrl
                    + " (" + body.path("message").asText("HTTP 404") + ")", true);
        }
        if (response.statusCode() / 100 != 2) {
            throw new SchemaRegistryException("Failed to " + action + ": schema registry " + baseUrl + " returned HTTP "
                    + response.statusCode() + " (" + body.path("message").asText(response.body()) + ")", false);
        }
        return body;
    }

    /** A failed registry call; {@link #notFound()} distinguishes a missing id or subject from other failures. */
    public static final class SchemaRegistryException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean notFound;

        SchemaRegistryException(String message, boolean notFound) {
            super(message);
            this.notFound = notFound;
        }

        SchemaRegistryException(String message, Throwable cause) {
            super(message, cause);
            this.notFound = false;
        }

        /** Returns whether the registry reported that the schema or subject does not exist. */
        public boolean notFound() {
            return notFound;
        }
    }
}
