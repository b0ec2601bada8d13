package org.cortexprior.trainer.internals;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.cortexprior.cli.InvalidInputException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Checkpoint directories, written so that a crash at any moment leaves the previous complete
 * checkpoint readable.
 *
 * <p>Layout of a checkpoint directory:
 * <pre>
 *   checkpoint.json              manifest: format, architecture, position, file names (written last)
 *   model-STEP.params            weights in DJL's Block.saveParameters format
 *   optimizer-STEP.ndlist        SGD momentum buffers as a DJL NDList, in parameter order (optional)
 * </pre>
 * Each file is written under a temporary name, forced to disk and renamed into place; the manifest
 * is renamed last, atomically replacing the previous one, and only then are files of older steps
 * deleted. A reader therefore always finds a manifest whose files exist and are complete.
 */
public final class CheckpointStore {

    public static final String MANIFEST = "checkpoint.json";
    public static final String FORMAT = "cortexprior-trainer-checkpoint";
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointStore() {
    }

    /**
     * Manifest of one checkpoint.
     *
     * @param format always {@link #FORMAT}
     * @param formatVersion layout version, {@link #FORMAT_VERSION}
     * @param spec architecture
     * @param parametersFile weights file name in the same directory
     * @param optimizerFile momentum buffers file name, or null
     * @param epoch epoch of the next step to run (0-based)
     * @param stepInEpoch index within that epoch of the next step to run
     * @param globalStep steps completed in total
     * @param bestValidationAccuracy best validation accuracy seen so far, or -1
     * @param seed seed of the run, which fixes data order, augmentation and pair draws
     * @param extra free-form values such as the matrix version and the latest losses
     */
    public record Manifest(String format, int formatVersion, ModelSpec spec, String parametersFile,
                           String optimizerFile, int epoch, int stepInEpoch, long globalStep,
                           double bestValidationAccuracy, long seed, Map<String, Object> extra) {
    }

    /** Returns whether {@code dir} holds a checkpoint manifest. */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(MANIFEST));
    }

    /** Writes a checkpoint of {@code model} (and the momentum buffers, when not null) into {@code dir}. */
    public static void write(Path dir, Manifest manifest, TappedResNet model, NDList momentum) {
        try {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve(manifest.parametersFile()), out -> {
                DataOutputStream data = new DataOutputStream(out);
                model.saveParameters(data);
                data.flush();
            });
            if (manifest.optimizerFile() != null && momentum != null) {
                writeAtomically(dir.resolve(manifest.optimizerFile()), momentum::encode);
            }
            writeAtomically(dir.resolve(MANIFEST), out -> JSON.writeValue(new NonClosing(out), manifest));
            deleteStale(dir, manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to write checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads the manifest in {@code dir}. */
    public static Manifest readManifest(Path dir) {
        Path file = dir.resolve(MANIFEST);
        try {
            Manifest manifest = JSON.readValue(file.toFile(), Manifest.class);
            if (!FORMAT.equals(manifest.format()) || manifest.formatVersion() != FORMAT_VERSION) {
                throw new InvalidInputException("Checkpoint " + file + " has format " + manifest.format() + " v"
                        + manifest.formatVersion() + "; expected " + FORMAT + " v" + FORMAT_VERSION);
            }
            return manifest;
        } catch (IOException e) {
            throw new InvalidInputException("Cannot read checkpoint manifest " + file + ": " + e.getMessage(), e);
        }
    }

    /** Loads the weights named by the manifest into {@code model}. */
    public static void loadParameters(Path dir, Manifest manifest, TappedResNet model, NDManager manager) {
        Path file = dir.resolve(manifest.parametersFile());
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            model.loadParameters(manager, new DataInputStream(in));
        } catch (IOException | MalformedModelException e) {
            throw new InvalidInputException("Cannot read checkpoint weights " + file + ": " + e.getMessage(), e);
        }
    }

    /** Loads the momentum buffers named by the manifest, or returns null when it names none. */
    public static NDList loadMomentum(Path dir, Manifest manifest, NDManager manager) {
        if (manifest.optimizerFile() == null || !Files.exists(dir.resolve(manifest.optimizerFile()))) {
            return null;
        }
        Path file = dir.resolve(manifest.optimizerFile());
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return NDList.decode(manager, in);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("Cannot read optimizer state " + file + ": " + e.getMessage(), e);
        }
    }

    interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Writes a file under a temporary name, forces it to disk, and renames it over {@code target}. */
    static void writeAtomically(Path target, StreamWriter writer) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try (OutputStream raw = Files.newOutputStream(temp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
             OutputStream out = new BufferedOutputStream(raw)) {
            writer.write(out);
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteStale(Path dir, Manifest manifest) throws IOException {
        Set<String> keep = new HashSet<>();
        keep.add(MANIFEST);
        keep.add(manifest.parametersFile());
        if (manifest.optimizerFile() != null) {
            keep.add(manifest.optimizerFile());
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean ours = name.startsWith("model-") || name.startsWith("optimizer-") || name.endsWith(".tmp");
                if (ours && !keep.contains(name)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** Keeps Jackson from closing the stream that {@link #writeAtomically} still forces to disk. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
