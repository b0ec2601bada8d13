package org.cortexprior.cli;

import java.util.concurrent.Callable;

/**
 * A subcommand of {@code bin/cortexprior}. Implementations are picocli {@code @Command} classes
 * with a public no-argument constructor, listed in
 * {@code META-INF/services/org.cortexprior.cli.CliCommand} of the module that owns them; the
 * launcher discovers them with {@link java.util.ServiceLoader}, so each service module ships its
 * own commands.
 *
 * <p>{@link #call()} returns one of the {@link ExitCodes}.
 */
public interface CliCommand extends Callable<Integer> {
}
