package org.cortexprior.evaluator;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything an experiment report shows: the configuration, where the data came from, one
 * {@link VariantRun} per regularisation target and seed, and the neural similarity matrix the
 * regulariser pulled towards. {@link ReportWriter} turns it into JSON, CSV, plots and HTML.
 * Immutable; serialises to JSON with Jackson as it is.
 *
 * @param title            heading of the report
 * @param configuration    settings shown in the report, in display order (name to value)
 * @param provenance       input files and where they came from
 * @param runs             one entry per trained and evaluated model
 * @param neuralSimilarity the target similarity matrix, or null when none was used
 * @param started          ISO-8601 time the experiment started
 * @param finished         ISO-8601 time the experiment finished
 */
public record ExperimentResults(
        String title,
        Map<String, String> configuration,
        List<DataSource> provenance,
        List<VariantRun> runs,
        SimilarityMatrix neuralSimilarity,
        String started,
        String finished) {

    public ExperimentResults {
        configuration = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(configuration));
        provenance = List.copyOf(provenance);
        runs = List.copyOf(runs);
    }

    /** Returns the variant names in the order they first appear in {@link #runs()}. */
    public List<String> variants() {
        return runs.stream().map(VariantRun::variant).distinct().toList();
    }

    /** Returns the runs of one variant, in seed order as given. */
    public List<VariantRun> runsOf(String variant) {
        return runs.stream().filter(run -> run.variant().equals(variant)).toList();
    }

    /**
     * One trained model and its evaluation.
     *
     * @param variant           regularisation target: neural, none, shuffled, pixel-threshold, blur, or any other name
     * @param seed              training seed
     * @param result            the robustness evaluation
     * @param tapNames          names of the feature taps whose similarities were mixed, empty without taps
     * @param tapWeights        learned mixing weights of the taps (softmax of gamma, summing to 1), same order as tapNames
     * @param training          facts about the training run shown in the report (epochs, validation accuracy, checkpoint)
     * @param trainingSeconds   wall time of training, in seconds; 0 when the model was loaded rather than trained
     * @param evaluationSeconds wall time of the evaluation, in seconds
     */
    public record VariantRun(
            String variant,
            int seed,
            RobustnessResult result,
            List<String> tapNames,
            double[] tapWeights,
            Map<String, String> training,
            double trainingSeconds,
            double evaluationSeconds) {

        public VariantRun {
            tapNames = List.copyOf(tapNames);
            tapWeights = tapWeights.clone();
            training = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(training));
            if (tapNames.size() != tapWeights.length) {
                throw new IllegalArgumentException(tapNames.size() + " tap names but " + tapWeights.length
                        + " tap weights for variant " + variant + " seed " + seed);
            }
        }
    }

    /**
     * A square similarity matrix over stimulus images, row after row.
     *
     * @param size        number of images (rows and columns)
     * @param values      {@code size * size} similarities in [-1, 1], row-major
     * @param description what the matrix is and where it came from
     */
    public record SimilarityMatrix(int size, float[] values, String description) {
        public SimilarityMatrix {
            if ((long) size * size != values.length) {
                throw new IllegalArgumentException("a " + size + " x " + size + " similarity matrix needs "
                        + (long) size * size + " values, got " + values.length);
            }
            values = values.clone();
        }

        public float get(int row, int column) {
            return values[row * size + column];
        }
    }

    /**
     * An input file of the experiment.
     *
     * @param role    what the file was used for (training images, stimulus recording, checkpoint)
     * @param path    absolute path as given
     * @param bytes   size in bytes, or -1 when it is a directory or unreadable
     * @param sha256  SHA-256 of the content in hex, or null for a directory
     * @param note    further facts, for example the split or the number of images read
     */
    public record DataSource(String role, String path, long bytes, String sha256, String note) {

        /** Describes {@code path}, hashing its content when it is a regular file. */
        public static DataSource of(String role, Path path, String note) throws IOException {
            Path absolute = path.toAbsolutePath().normalize();
            if (!Files.isRegularFile(absolute)) {
                return new DataSource(role, absolute.toString(), -1, null, note);
            }
            MessageDigest digest;
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
            }
            try (InputStream in = Files.newInputStream(absolute)) {
                byte[] buffer = new byte[1 << 16];
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    digest.update(buffer, 0, read);
                }
            }
            return new DataSource(role, absolute.toString(), Files.size(absolute),
                    HexFormat.of().formatHex(digest.digest()), note);
        }
    }
}
