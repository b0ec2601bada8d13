package org.cortexprior.deployment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The rows of the metric tables in docs/metrics.md. */
final class MetricsTable {

    /**
     * One row: a metric name, or a family such as {@code cortexprior_kafka_consumer_*}, and
     * whether the service that will export it has not registered it yet.
     */
    record Row(String name, boolean planned) {

        private static final List<String> SAMPLE_SUFFIXES = List.of("", "_count", "_sum", "_max", "_bucket");

        boolean isFamily() {
            return name.endsWith("*");
        }

        /** Returns whether a scraped sample name belongs to this row. */
        boolean documents(String sample) {
            if (isFamily()) {
                return sample.startsWith(name.substring(0, name.length() - 1));
            }
            return SAMPLE_SUFFIXES.stream().anyMatch(suffix -> sample.equals(name + suffix));
        }
    }

    private static final Pattern ROW = Pattern.compile("^\\|\\s*`(cortexprior_[A-Za-z0-9_*]+)`\\s*\\|(.*)$");

    private MetricsTable() {
    }

    /** Reads every table row whose first cell is a {@code cortexprior_} name in backticks. */
    static List<Row> read(Path markdown) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(markdown)) {
            Matcher matcher = ROW.matcher(line);
            if (matcher.matches()) {
                rows.add(new Row(matcher.group(1), (matcher.group(2).contains("(planned)") || matcher.group(2).contains("(GPU only)"))));
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalStateException("No metric rows in " + markdown);
        }
        return rows;
    }
}
