package org.cortexprior.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on standard error, redrawn at most five times a second. When standard
 * error is not a terminal (no console, or output redirected) it prints a plain progress line at
 * most every 10 seconds instead, so logs of scripted runs stay short.
 *
 * <pre>{@code
 * try (ProgressBar bar = ProgressBar.start("replay 210325", totalTrials, "trials")) {
 *     bar.stepBy(batch.size());
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class ProgressBar implements AutoCloseable {

    private static final int WIDTH = 30;

    private final String label;
    private final long total;
    private final String unit;
    private final PrintStream out;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long current;
    private long lastDrawNanos;
    private boolean closed;

    private ProgressBar(String label, long total, String unit, PrintStream out, boolean terminal) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.out = out;
        this.terminal = terminal;
    }

    /** Starts a bar for {@code total} units of work; a total of 0 or less shows a count only. */
    public static ProgressBar start(String label, long total, String unit) {
        boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
        return new ProgressBar(label, total, unit, System.err, terminal);
    }

    public synchronized void stepBy(long amount) {
        current += amount;
        long now = System.nanoTime();
        long interval = terminal ? 200_000_000L : 10_000_000_000L;
        if (now - lastDrawNanos >= interval) {
            lastDrawNanos = now;
            draw(false);
        }
    }

    public synchronized long current() {
        return current;
    }

    private void draw(boolean done) {
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        double rate = current / seconds;
        String counts = total > 0
                ? String.format(Locale.ROOT, "%d/%d %s", current, total, unit)
                : String.format(Locale.ROOT, "%d %s", current, unit);
        String speed = rate >= 1 || rate == 0 ? String.format(Locale.ROOT, "%.1f %s/s", rate, unit)
                : String.format(Locale.ROOT, "%.1f s per %s", 1 / rate, unit.endsWith("s") ? unit.substring(0, unit.length() - 1) : unit);
        if (terminal) {
            StringBuilder bar = new StringBuilder();
            if (total > 0) {
                int filled = (int) Math.min(WIDTH, Math.round(WIDTH * (double) current / total));
                bar.append('[').append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ");
                bar.append(String.format(Locale.ROOT, "%3d%% ", Math.min(100, Math.round(100.0 * current / total))));
            }
            out.print("\r" + label + " " + bar + counts + "  " + speed + (done ? "\n" : ""));
        } else {
            out.println(label + ": " + counts + " (" + speed + ")" + (done ? ", done" : ""));
        }
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            draw(true);
        }
    }
}
