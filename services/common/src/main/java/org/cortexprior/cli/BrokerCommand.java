package org.cortexprior.cli;

import java.nio.file.Path;
import java.time.Duration;

import org.cortexprior.kafka.LocalBroker;
import org.cortexprior.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cortexprior broker}: runs a single-node Kafka broker (KRaft, listeners on 127.0.0.1) in
 * the foreground until Ctrl-C or SIGTERM, then shuts it down cleanly. Other commands reach it with
 * {@code --bootstrap-servers 127.0.0.1:PORT}.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Run a local single-node Kafka broker (KRaft mode, 127.0.0.1 only) in the foreground.",
                "Stop it with Ctrl-C; the data directory survives and is reused by the next start."})
public final class BrokerCommand implements CliCommand {

    @Option(names = "--port", defaultValue = "9092", paramLabel = "PORT",
            description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--controller-port", defaultValue = "9093", paramLabel = "PORT",
            description = "KRaft controller port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--data-dir", defaultValue = "cortexprior-data/broker", paramLabel = "DIR",
            description = "Directory for the broker's logs and configuration (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--partitions", defaultValue = "4", paramLabel = "N",
            description = "Partitions of the cortexprior topics created at start (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        LocalBroker broker;
        try {
            broker = LocalBroker.builder().dataDir(dataDir.toAbsolutePath()).port(port)
                    .controllerPort(controllerPort).startTimeout(Duration.ofSeconds(120)).start();
        } catch (LocalBroker.PortInUseException e) {
            throw new ServiceUnavailableException(e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(broker::stop, "broker-command-shutdown"));
        try (Admin admin = Admin.create(org.cortexprior.kafka.KafkaSettings.of(broker.bootstrapServers()).admin())) {
            Topics.ensure(admin, partitions, (short) 1);
        }
        System.out.println("Kafka broker ready on " + broker.bootstrapServers() + " (data in "
                + broker.dataDir() + ", log " + broker.logFile() + "). Press Ctrl-C to stop.");
        System.out.flush();
        int code = broker.awaitExit();
        return code == 0 || code == 143 ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
