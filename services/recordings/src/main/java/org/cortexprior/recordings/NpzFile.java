package org.cortexprior.recordings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A NumPy {@code .npz} archive: a zip of {@code .npy} files, stored or deflated, as written by
 * {@code numpy.savez} and {@code numpy.savez_compressed}. Arrays are named without the {@code .npy}
 * suffix, as NumPy names them.
 *
 * <p>Each {@link #array(String)} call inflates that entry into a heap buffer.
 * NOTE: stored (uncompressed) entries are read onto the heap too rather than mapped, so an archive
 * costs its arrays' size in memory while they are referenced.
 *
 * <p>Thread-safe ({@link ZipFile} is); close it when done.
 */
public final class NpzFile implements AutoCloseable {

    private final Path file;
    private final ZipFile zip;
    private final Map<String, ZipEntry> entries = new LinkedHashMap<>();

    private NpzFile(Path file, ZipFile zip) {
        this.file = file;
        this.zip = zip;
        Enumeration<? extends ZipEntry> all = zip.entries();
        while (all.hasMoreElements()) {
            ZipEntry entry = all.nextElement();
            if (!entry.isDirectory() && entry.getName().endsWith(".npy")) {
                String name = entry.getName();
                entries.put(name.substring(0, name.length() - 4), entry);
            }
        }
    }

    /**
     * Opens an archive.
     *
     * @throws RecordingFormatException when the file is missing or not a zip archive
     */
    public static NpzFile open(Path file) {
        try {
            return new NpzFile(file, new ZipFile(file.toFile()));
        } catch (NoSuchFileException e) {
            throw new RecordingFormatException(file + ": file not found", e);
        } catch (ZipException e) {
            throw new RecordingFormatException(file + ": not a valid .npz (zip) archive: " + e.getMessage(), e);
        } catch (IOException e) {
            if (!file.toFile().exists()) {
                throw new RecordingFormatException(file + ": file not found", e);
            }
            throw new RecordingFormatException(file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** Returns the array names in archive order. */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(entries.keySet()));
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /**
     * Reads one array.
     *
     * @throws RecordingFormatException when the archive has no such array or the entry is invalid
     */
    public NpyArray array(String name) {
        ZipEntry entry = entries.get(name);
        String source = file + "!" + name + ".npy";
        if (entry == null) {
            throw new RecordingFormatException(file + ": the archive has no array '" + name + "' (it has "
                    + entries.keySet() + ")");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            return Npy.parse(in.readAllBytes(), source);
        } catch (IOException e) {
            throw new RecordingFormatException(source + ": cannot be read (corrupt or truncated archive): "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Failed to close " + file, e);
        }
    }
}
