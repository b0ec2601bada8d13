package org.cortexprior.predictor;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KafkaStreams;
import org.cortexprior.cli.CliCommand;
import org.cortexprior.cli.ExitCodes;
import org.cortexprior.cli.KafkaOptions;
import org.cortexprior.cli.ServiceUnavailableException;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.runtime.ServiceConfig;
import org.cortexprior.runtime.ServiceRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cortexprior predict}: runs the denoising predictor as a long-running service until SIGTERM
 * or SIGINT. It reads sessions, stimuli and trials from the cluster, fits each session's model and
 * keeps the similarity topic current; its state stores live under {@code state.dir}.
 *
 * <pre>
 * bin/cortexprior predict --bootstrap-servers kafka:9092 --metrics-port 9404 \
 *     --set predictor.image-set=per-session --set state.dir=/var/lib/cortexprior/state
 * </pre>
 *
 * <p>Serves Prometheus metrics (the predictor's meters, Kafka Streams and producer metrics) at
 * {@code /metrics} and health at {@code /health}, which reports DOWN unless the Streams application
 * is RUNNING or REBALANCING. Unlike the batch commands it never starts a local broker: without
 * bootstrap servers it fails with exit code 2, and with an unreachable cluster with exit code 4.
 * When the Streams application stops on its own (state ERROR), the command exits with code 1 so
 * that a supervisor restarts it.
 *
 * <p>NOTE: the fit worker reads only the state stores of its own instance, so run one instance
 * per application id. A second instance would own some partitions, and each worker would then
 * miss stimuli and sessions the other holds.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Run the denoising predictor service until SIGTERM.",
                "It fits a model per session and streams the neural similarity matrix to the",
                "similarity topic. Needs --bootstrap-servers: it never starts a local broker.",
                "Set predictor keys with --set, for example predictor.image-set=per-session,",
                "predictor.model=ridge or predictor.tile.size=256. Keys starting with streams.",
                "go to Kafka Streams."})
public final class PredictCommand implements CliCommand {

    private static final Logger log = LoggerFactory.getLogger(PredictCommand.class);

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--connect-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "Seconds to wait for the Kafka cluster at start-up before exiting with code 4 (default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
        ServiceConfig config = kafka.load(Map.of());
        if (config.get(ServiceConfig.BOOTSTRAP_SERVERS).filter(s -> !s.isBlank()).isEmpty()) {
            throw new ServiceConfig.ConfigException("The predictor service needs a Kafka cluster: give --bootstrap-servers "
                    + "HOST:PORT or set " + ServiceConfig.envName(ServiceConfig.BOOTSTRAP_SERVERS)
                    + " (it does not start a local broker)");
        }
        // Invalid predictor keys fail here, before anything connects.
        PredictorConfig predictorConfig = new PredictorConfig(config);
        requireReachable(config.kafka(), Duration.ofSeconds(connectTimeoutSeconds));

        try (ServiceRuntime runtime = ServiceRuntime.start("predictor", config)) {
            log.info("Starting predictor application {} with configuration:\n{}", predictorConfig.applicationId(),
                    config.describe());
            PredictorService service = runtime.onShutdown(PredictorService.start(config, runtime.registry()));
            if (runtime.metricsServer() != null) {
                runtime.metricsServer().addHealthCheck("streams", service::isHealthy);
            }

            while (!runtime.awaitShutdown(Duration.ofSeconds(1))) {
                KafkaStreams.State state = service.state();
                if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR) {
                    log.error("Kafka Streams application {} stopped in state {}; shutting the predictor down",
                            predictorConfig.applicationId(), state);
                    return ExitCodes.FAILED;
                }
            }
        }
        return ExitCodes.OK;
    }

    /** Fails with {@link ServiceUnavailableException} unless the cluster returns its id within {@code timeout}. */
    static void requireReachable(KafkaSettings kafka, Duration timeout) {
        String servers = kafka.bootstrapServers();
        try (Admin admin = Admin.create(kafka.admin())) {
            String clusterId = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .clusterId().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            log.info("Kafka cluster {} at {} is reachable", clusterId, servers);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new ServiceUnavailableException("Kafka cluster at " + servers + " is unreachable (waited "
                    + timeout.toSeconds() + " s): " + cause.getMessage()
                    + ". Check --bootstrap-servers and that the brokers are running.", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailableException("Interrupted while connecting to the Kafka cluster at " + servers, e);
        }
    }
}
