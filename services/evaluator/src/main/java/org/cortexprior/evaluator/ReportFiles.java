package org.cortexprior.evaluator;

import java.nio.file.Path;
import java.util.List;

/**
 * The files {@link ReportWriter} wrote.
 *
 * @param html  report.html, which links everything else by relative paths
 * @param json  results.json
 * @param csv   results.csv
 * @param plots the PNG plots, in the order the report shows them
 */
public record ReportFiles(Path html, Path json, Path csv, List<Path> plots) {
    public ReportFiles {
        plots = List.copyOf(plots);
    }
}
