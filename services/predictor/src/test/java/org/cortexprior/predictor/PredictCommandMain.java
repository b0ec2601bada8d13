package org.cortexprior.predictor;

import org.cortexprior.cli.ExitCodes;
import org.cortexprior.cli.ServiceUnavailableException;
import org.cortexprior.runtime.ServiceConfig;

import picocli.CommandLine;

/**
 * Runs {@link PredictCommand} as the main class of a separate JVM, so that tests can stop it with
 * SIGTERM or kill it with SIGKILL. Failures map to exit codes as {@code bin/cortexprior} maps them.
 */
public final class PredictCommandMain {

    private PredictCommandMain() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Returns the command line of {@link PredictCommand} with the launcher's exit codes for failures. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new PredictCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + e.getMessage());
            if (e instanceof ServiceUnavailableException) {
                return ExitCodes.UNAVAILABLE;
            }
            return e instanceof ServiceConfig.ConfigException || e instanceof IllegalArgumentException
                    ? ExitCodes.USAGE : ExitCodes.FAILED;
        });
        return cli;
    }
}
