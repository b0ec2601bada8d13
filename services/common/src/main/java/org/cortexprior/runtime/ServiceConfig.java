package org.cortexprior.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

import org.cortexprior.kafka.KafkaSettings;

/**
 * Configuration of one service, merged from four sources with one fixed precedence, highest first:
 *
 * <ol>
 *   <li>command-line flags ({@code --bootstrap-servers}, or {@code --set key=value} for any key);
 *   <li>environment variables: the key in upper case with dots and dashes turned into
 *       underscores and the prefix {@code CORTEXPRIOR_}, for example
 *       {@code CORTEXPRIOR_METRICS_PORT} for {@code metrics.port};
 *   <li>a Java properties file given with {@code --config FILE} or {@code CORTEXPRIOR_CONFIG};
 *   <li>built-in defaults.
 * </ol>
 *
 * <p>Keys are lower-case and dotted. The keys every service understands are the constants below;
 * keys starting with {@code kafka.} pass through to the Kafka clients (see {@link KafkaSettings}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ServiceConfig {

    /** Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]. No default: services that need Kafka require it. */
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    /** Interface the metrics and health endpoint binds to. Default 127.0.0.1. */
    public static final String METRICS_HOST = "metrics.host";
    /** Port of the metrics and health endpoint; 0 picks a free port, -1 disables it. Default 0. */
    public static final String METRICS_PORT = "metrics.port";
    /** Directory for service state (checkpoints, local stores). Default ./cortexprior-state. */
    public static final String STATE_DIR = "state.dir";
    /** Path of the properties file; read from flags or the environment only. */
    public static final String CONFIG_FILE = "config";

    /** Prefix of the environment variables that set configuration keys. */
    public static final String ENV_PREFIX = "CORTEXPRIOR_";

    private static final Map<String, String> DEFAULTS = Map.of(
            METRICS_HOST, "127.0.0.1",
            METRICS_PORT, "0",
            STATE_DIR, "cortexprior-state");

    private final Map<String, String> values;
    private final Map<String, String> sources;

    private ServiceConfig(Map<String, String> values, Map<String, String> sources) {
        this.values = Collections.unmodifiableMap(values);
        this.sources = Collections.unmodifiableMap(sources);
    }

    /**
     * Merges the sources.
     *
     * @param flags keys set on the command line; null values are ignored
     * @param environment the process environment, usually {@code System.getenv()}
     * @param defaults service-specific defaults, which replace the built-in ones
     * @throws ConfigException when the properties file cannot be read
     */
    public static ServiceConfig load(Map<String, String> flags, Map<String, String> environment,
                                     Map<String, String> defaults) {
        Map<String, String> values = new TreeMap<>();
        Map<String, String> sources = new TreeMap<>();
        put(values, sources, DEFAULTS, "default");
        put(values, sources, defaults, "default");

        Map<String, String> env = fromEnvironment(environment);
        Map<String, String> cleanFlags = new LinkedHashMap<>();
        flags.forEach((k, v) -> {
            if (v != null) {
                cleanFlags.put(k, v);
            }
        });
        String file = cleanFlags.getOrDefault(CONFIG_FILE, env.get(CONFIG_FILE));
        if (file != null && !file.isBlank()) {
            put(values, sources, readProperties(Path.of(file)), "file " + file);
        }
        put(values, sources, env, "environment");
        put(values, sources, cleanFlags, "flag");
        values.remove(CONFIG_FILE);
        return new ServiceConfig(values, sources);
    }

    /** Returns a configuration made only of the given values, for tests and embedded use. */
    public static ServiceConfig of(Map<String, String> values) {
        return load(values, Map.of(), Map.of());
    }

    private static void put(Map<String, String> values, Map<String, String> sources,
                            Map<String, String> layer, String source) {
        layer.forEach((k, v) -> {
            values.put(k, v);
            sources.put(k, source);
        });
    }

    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> result = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                result.put(key, value);
            }
        });
        return result;
    }

    private static Map<String, String> readProperties(Path file) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new ConfigException("Cannot read configuration file " + file + ": " + e.getMessage());
        }
        Map<String, String> result = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> result.put(k.trim(), props.getProperty(k).trim()));
        return result;
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** Returns the value of a key that must be set. */
    public String require(String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            throw new ConfigException("Missing configuration '" + key + "': set it with --set " + key
                    + "=VALUE, the environment variable " + envName(key) + ", or in the --config file");
        }
        return value;
    }

    public String getString(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    public int getInt(String key, int fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, value, "an integer");
        }
    }

    public long getLong(String key, long fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, value, "an integer");
        }
    }

    public double getDouble(String key, double fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a number");
        }
    }

    public boolean getBoolean(String key, boolean fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw invalid(key, value, "true or false");
        };
    }

    /** Returns every key that starts with {@code prefix}, with the prefix removed. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> result = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                result.put(k.substring(prefix.length()), v);
            }
        });
        return result;
    }

    /** Returns the Kafka client settings: bootstrap servers plus every {@code kafka.*} key. */
    public KafkaSettings kafka() {
        return new KafkaSettings(require(BOOTSTRAP_SERVERS), withPrefix(KafkaSettings.PASS_THROUGH_PREFIX));
    }

    /** Returns which source set a key: flag, environment, file PATH or default. */
    public String sourceOf(String key) {
        return sources.getOrDefault(key, "unset");
    }

    /** Returns a copy with one key replaced, recorded as set by a flag. */
    public ServiceConfig with(String key, String value) {
        Map<String, String> v = new TreeMap<>(values);
        Map<String, String> s = new TreeMap<>(sources);
        v.put(key, value);
        s.put(key, "flag");
        return new ServiceConfig(v, s);
    }

    /** Returns every value, secrets masked, for logging at start-up. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        values.forEach((k, v) -> out.append("  ").append(k).append(" = ")
                .append(KafkaSettings.isSecret(k) ? "[hidden]" : v)
                .append("  (").append(sourceOf(k)).append(")\n"));
        return out.toString();
    }

    /** Returns the environment variable name for a key. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static ConfigException invalid(String key, String value, String expected) {
        return new ConfigException("Invalid value '" + value + "' for configuration '" + key + "': expected "
                + expected);
    }

    /** Thrown for a missing or malformed configuration value; the message names the key. */
    public static final class ConfigException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }
}
