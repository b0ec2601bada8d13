package org.cortexprior.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import org.cortexprior.runtime.ServiceConfig;

import picocli.CommandLine.Option;

/**
 * Options shared by every command that talks to Kafka or runs a service; add it to a command with
 * {@code @Mixin KafkaOptions kafka;}.
 */
public final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers. When omitted, 'demo' and 'replay' start a local broker on 127.0.0.1; "
                    + "services such as 'predict', and training on a streamed target, need a running broker "
                    + "(a local one: 'cortexprior broker').")
    String bootstrapServers;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Java properties file with configuration keys (lower precedence than flags and CORTEXPRIOR_* environment variables).")
    String configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Set any configuration key, for example --set metrics.port=9404 or --set kafka.security.protocol=SASL_SSL. Repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Port of the Prometheus metrics and health endpoint on 127.0.0.1; 0 picks a free port, -1 disables it.")
    Integer metricsPort;

    /** Returns the bootstrap servers given on the command line, or null. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Loads the service configuration with the documented precedence: these flags, then
     * {@code CORTEXPRIOR_*} environment variables, then the {@code --config} file, then
     * {@code defaults}.
     */
    public ServiceConfig load(Map<String, String> defaults) {
        Map<String, String> flags = new LinkedHashMap<>(settings);
        if (bootstrapServers != null) {
            flags.put(ServiceConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        }
        if (configFile != null) {
            flags.put(ServiceConfig.CONFIG_FILE, configFile);
        }
        if (metricsPort != null) {
            flags.put(ServiceConfig.METRICS_PORT, Integer.toString(metricsPort));
        }
        ServiceConfig config = ServiceConfig.load(flags, System.getenv(), defaults);
        org.cortexprior.serde.CortexSerdes.configure(config);
        return config;
    }
}
