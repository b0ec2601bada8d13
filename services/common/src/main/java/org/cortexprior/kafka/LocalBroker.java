package org.cortexprior.kafka;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Apache Kafka broker in KRaft mode (combined broker and controller), run as a child
 * JVM from the {@code kafka_2.13} jar on this process's class path.
 *
 * <p>Both listeners bind to 127.0.0.1 only. Data lives in a directory the caller chooses; a
 * directory that already contains a formatted log is reused, so a broker can be stopped and started
 * again on the same data (which crash tests rely on). Replication factors are 1 and the initial
 * rebalance delay is 0, which suits one machine, not production.
 *
 * <p>Usage:
 * <pre>{@code
 * try (LocalBroker broker = LocalBroker.builder().dataDir(dir).start()) {
 *     String bootstrap = broker.bootstrapServers();   // 127.0.0.1:<port>
 * }
 * }</pre>
 *
 * <p>Start-up takes about 2 to 5 seconds and the child uses about 400 MB. {@link #close()} stops the
 * broker with SIGTERM (a clean, controlled shutdown) and waits for it; {@link #kill()} sends
 * SIGKILL. A JVM shutdown hook stops a broker left running. Not thread-safe: one owner starts and
 * stops it.
 */
public final class LocalBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalBroker.class);

    /** System property that overrides the class path of the broker JVM. */
    public static final String CLASSPATH_PROPERTY = "cortexprior.broker.classpath";

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> extraProperties;
    private final String heap;
    private Process process;
    private Thread shutdownHook;

    private LocalBroker(Builder builder, int port, int controllerPort) {
        this.dataDir = builder.dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.extraProperties = new LinkedHashMap<>(builder.extraProperties);
        this.heap = builder.heap;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Returns {@code 127.0.0.1:<port>} for clients. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Returns the broker's own log file (stdout and stderr of the broker JVM). */
    public Path logFile() {
        return dataDir.resolve("broker.log");
    }

    /** Returns whether the broker JVM is running. */
    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the broker JVM again on the same data directory and ports, after {@link #stop()} or
     * {@link #kill()}, and waits until it accepts requests.
     */
    public void restart(Duration timeout) {
        if (isRunning()) {
            throw new IllegalStateException("broker on " + bootstrapServers() + " is still running");
        }
        launch(timeout);
    }

    /** Stops the broker with SIGTERM and waits up to 60 s for a clean shutdown, then kills it. */
    public void stop() {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            log.info("[broker {}] Stopping (SIGTERM)", bootstrapServers());
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    log.warn("[broker {}] Did not stop within 60 s; sending SIGKILL", bootstrapServers());
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        log.info("[broker {}] Stopped", bootstrapServers());
        removeShutdownHook();
    }

    /** Kills the broker with SIGKILL, as a crash would, and waits for the process to exit. */
    public void kill() {
        if (process == null || !process.isAlive()) {
            return;
        }
        log.info("[broker {}] Killing (SIGKILL)", bootstrapServers());
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeShutdownHook();
    }

    /** Blocks until the broker JVM exits and returns its exit code. */
    public int awaitExit() throws InterruptedException {
        return process.waitFor();
    }

    @Override
    public void close() {
        stop();
    }

    private void launch(Duration timeout) {
        Path config = dataDir.resolve("server.properties");
        try {
            Files.createDirectories(dataDir);
            writeConfig(config);
            Path logs = dataDir.resolve("kraft-logs");
            if (!Files.exists(logs.resolve("meta.properties"))) {
                format(config);
            }
            ProcessBuilder pb = new ProcessBuilder(javaCommand("kafka.Kafka", config.toString()));
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
            log.info("[broker {}] Starting; data in {}", bootstrapServers(), dataDir);
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to start the Kafka broker in " + dataDir + ": " + e.getMessage(), e);
        }
        shutdownHook = new Thread(() -> {
            if (process.isAlive()) {
                process.destroy();
                try {
                    process.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    process.destroyForcibly();
                }
            }
        }, "local-broker-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        awaitReady(timeout);
    }

    private void format(Path config) throws IOException {
        String clusterId = Uuid.randomUuid().toString();
        List<String> command = javaCommand("kafka.tools.StorageTool", "format", "--standalone",
                "-t", clusterId, "-c", config.toString());
        Process format = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile())).start();
        try {
            if (!format.waitFor(120, TimeUnit.SECONDS)) {
                format.destroyForcibly();
                throw new IOException("formatting the broker storage timed out after 120 s; see " + logFile());
            }
        } catch (InterruptedException e) {
            format.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while formatting broker storage");
        }
        if (format.exitValue() != 0) {
            throw new IOException("formatting the broker storage failed with exit code " + format.exitValue()
                    + ":\n" + tail(logFile()));
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        extraClientProperties().forEach(props::put);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka broker exited with code " + process.exitValue()
                        + " during start-up:\n" + tail(logFile()));
            }
            try (Admin admin = Admin.create(props)) {
                admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                log.info("[broker {}] Ready", bootstrapServers());
                return;
            } catch (Exception e) {
                sleep(250);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("Kafka broker on " + bootstrapServers() + " was not ready within "
                + timeout.toSeconds() + " s:\n" + tail(logFile()));
    }

    /** Client settings a test needs to reach a broker whose extra properties change the listener. */
    private Map<String, String> extraClientProperties() {
        Map<String, String> client = new LinkedHashMap<>();
        extraProperties.forEach((k, v) -> {
            if (k.startsWith("client.")) {
                client.put(k.substring("client.".length()), v);
            }
        });
        return client;
    }

    private void writeConfig(Path config) throws IOException {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        props.put("log.dirs", dataDir.resolve("kraft-logs").toString());
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "true");
        props.put("message.max.bytes", Integer.toString(Topics.MAX_MESSAGE_BYTES + 1024));
        props.put("replica.fetch.max.bytes", Integer.toString(Topics.MAX_MESSAGE_BYTES + 1024));
        props.put("log.segment.bytes", Integer.toString(256 * 1024 * 1024));
        extraProperties.forEach((k, v) -> {
            if (!k.startsWith("client.")) {
                props.put(k, v);
            }
        });
        try (Writer out = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            out.write("# Written by cortexprior LocalBroker; rewritten on every start.\n");
            for (Map.Entry<String, String> e : props.entrySet()) {
                out.write(e.getKey() + "=" + e.getValue().replace("\\", "\\\\") + "\n");
            }
        }
    }

    private List<String> javaCommand(String mainClass, String... args) {
        String javaHome = System.getProperty("java.home");
        String classpath = System.getProperty(CLASSPATH_PROPERTY, System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(javaHome, "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.add("-XX:+UseSerialGC");
        command.add("-Djava.awt.headless=true");
        command.add("-Dlog4j2.rootLevel=WARN");
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no broker log at " + file + ")";
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // Already shutting down: the hook runs anyway.
            }
            shutdownHook = null;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    /** Returns a port on 127.0.0.1 that was free a moment ago. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    private static void checkPortFree(int port, String what) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (BindException e) {
            throw new PortInUseException("Cannot start the Kafka broker: " + what + " port 127.0.0.1:" + port
                    + " is already in use. Stop the process using it or choose another port with --port.");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check port " + port, e);
        }
    }

    /** Thrown when a requested broker port is already taken. */
    public static final class PortInUseException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortInUseException(String message) {
            super(message);
        }
    }

    /** Configures and starts a {@link LocalBroker}. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private int controllerPort;
        private String heap = "768m";
        private Duration startTimeout = Duration.ofSeconds(90);
        private final Map<String, String> extraProperties = new LinkedHashMap<>();

        /** Directory for the broker's log segments and configuration; created when missing. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Client port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Controller port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = controllerPort;
            return this;
        }

        /** Maximum heap of the broker JVM, as for {@code -Xmx}; default 768m. */
        public Builder heap(String heap) {
            this.heap = heap;
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /**
         * Adds a broker setting, replacing the default of the same name. Keys prefixed with
         * {@code client.} are not broker settings but client settings used while waiting for the
         * broker to become ready (needed when the listener requires TLS or SASL).
         */
        public Builder property(String key, String value) {
            extraProperties.put(key, value);
            return this;
        }

        /** Starts the broker and waits until it accepts requests. */
        public LocalBroker start() {
            if (dataDir == null) {
                try {
                    dataDir = Files.createTempDirectory("cortexprior-broker-");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            int clientPort = port;
            if (clientPort == 0) {
                clientPort = freePort();
            } else {
                checkPortFree(clientPort, "client");
            }
            int ctlPort = controllerPort;
            if (ctlPort == 0) {
                do {
                    ctlPort = freePort();
                } while (ctlPort == clientPort);
            } else {
                checkPortFree(ctlPort, "controller");
            }
            LocalBroker broker = new LocalBroker(this, clientPort, ctlPort);
            broker.launch(startTimeout);
            return broker;
        }
    }
}
