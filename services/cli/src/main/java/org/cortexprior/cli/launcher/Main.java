package org.cortexprior.cli.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;

import org.cortexprior.cli.CliCommand;
import org.cortexprior.cli.ExitCodes;
import org.cortexprior.cli.InvalidInputException;
import org.cortexprior.cli.ServiceUnavailableException;
import org.cortexprior.kafka.LocalBroker;
import org.cortexprior.runtime.ServiceConfig;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/**
 * Entry point of {@code bin/cortexprior}. Subcommands are discovered from every module on the class
 * path (see {@link CliCommand}); {@code cortexprior --help} lists them.
 *
 * <p>Exit codes follow {@link ExitCodes}: errors in input data, configuration and usage print one
 * clear message without a stack trace; unexpected failures print the stack trace as well.
 */
@Command(name = "cortexprior", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Regularise image classifiers with neural similarity streamed through Apache Kafka.",
                "Run 'cortexprior demo' for the whole pipeline on simulated data, or 'cortexprior COMMAND --help'."},
        footer = {"", "Exit codes: 0 success, 1 failure, 2 invalid usage, 3 invalid input data, 4 service unavailable, 130 interrupted."})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with every discovered subcommand. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        List<CliCommand> commands = new ArrayList<>();
        ServiceLoader.load(CliCommand.class).forEach(commands::add);
        commands.sort(Comparator.comparing(c -> c.getClass().getAnnotation(Command.class).name()));
        for (CliCommand command : commands) {
            cli.addSubcommand(command);
        }
        cli.setExecutionExceptionHandler(Main::handleFailure);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    public static void main(String[] args) {
        org.cortexprior.runtime.LogContext.setService("cli");
        int code = commandLine().execute(args);
        System.exit(code);
    }

    private static int handleFailure(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
        PrintWriter err = cli.getErr();
        Throwable cause = e;
        if (cause instanceof InvalidInputException) {
            err.println("error: " + cause.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        if (cause instanceof ServiceUnavailableException || cause instanceof LocalBroker.PortInUseException) {
            err.println("error: " + cause.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
        if (cause instanceof ServiceConfig.ConfigException || cause instanceof IllegalArgumentException) {
            err.println("error: " + cause.getMessage());
            return ExitCodes.USAGE;
        }
        if (cause instanceof InterruptedException) {
            err.println("interrupted");
            return ExitCodes.INTERRUPTED;
        }
        err.println("error: " + cause);
        e.printStackTrace(err);
        return ExitCodes.FAILED;
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties props = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/cortexprior-version.properties")) {
                if (in != null) {
                    props.load(in);
                }
            }
            return new String[] {"cortexprior " + props.getProperty("version", "unknown")
                    + " (Java " + System.getProperty("java.version") + ")"};
        }
    }
}
