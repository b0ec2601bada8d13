package org.cortexprior.recordings.internals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.cortexprior.recordings.Npy;
import org.cortexprior.recordings.NpyArray;
import org.cortexprior.recordings.RecordingFormatException;

/**
 * Files of a recording addressed by relative path ({@code data/responses/0.npy}), from a folder
 * (memory-mapped) or a zip (each entry read onto the heap when requested). Zip entries under one
 * top-level folder are addressed without it. Thread-safe.
 */
public abstract class FileTree implements AutoCloseable {

    /** Returns the display name of a file, for error messages. */
    public abstract String describe(String relative);

    public abstract boolean exists(String relative);

    /** Returns whether any file lies under folder {@code relative}. */
    public abstract boolean hasFolder(String relative);

    /** Reads a {@code .npy} file; a missing file is an error naming it. */
    public abstract NpyArray npy(String relative);

    /** Reads an optional {@code .npy} file, or returns null when it is absent. */
    public NpyArray npyIfPresent(String relative) {
        return exists(relative) ? npy(relative) : null;
    }

    @Override
    public void close() {
    }

    /** A folder on disk. */
    public static FileTree folder(Path root) {
        return new FolderTree(root);
    }

    /** A zip archive; entries under one common top-level folder are addressed without it. */
    public static FileTree zip(Path file) {
        return new ZipTree(file);
    }

    private static final class FolderTree extends FileTree {
        private final Path root;

        FolderTree(Path root) {
            this.root = root;
        }

        @Override
        public String describe(String relative) {
            return root.resolve(relative).toString();
        }

        @Override
        public boolean exists(String relative) {
            return Files.isRegularFile(root.resolve(relative));
        }

        @Override
        public boolean hasFolder(String relative) {
            return Files.isDirectory(root.resolve(relative));
        }

        @Override
        public NpyArray npy(String relative) {
            return Npy.read(root.resolve(relative));
        }
    }

    private static final class ZipTree extends FileTree {
        private final Path file;
        private final ZipFile zip;
        private final Map<String, ZipEntry> entries = new HashMap<>();
        private final Set<String> folders = new HashSet<>();

        ZipTree(Path file) {
            this.file = file;
            try {
                this.zip = new ZipFile(file.toFile());
            } catch (IOException e) {
                throw new RecordingFormatException(file + ": not a readable zip archive: " + e.getMessage(), e);
            }
            List<ZipEntry> files = new ArrayList<>();
            Set<String> tops = new HashSet<>();
            Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements()) {
                ZipEntry entry = all.nextElement();
                if (entry.isDirectory() || entry.getName().startsWith("__MACOSX/")) {
                    continue;
                }
                files.add(entry);
                int slash = entry.getName().indexOf('/');
                tops.add(slash < 0 ? "" : entry.getName().substring(0, slash + 1));
            }
            String prefix = tops.size() == 1 && !tops.contains("") ? tops.iterator().next() : "";
            for (ZipEntry entry : files) {
                String relative = entry.getName().substring(prefix.length());
                entries.put(relative, entry);
                for (int slash = relative.indexOf('/'); slash >= 0; slash = relative.indexOf('/', slash + 1)) {
                    folders.add(relative.substring(0, slash));
                }
            }
        }

        @Override
        public String describe(String relative) {
            ZipEntry entry = entries.get(relative);
            return file + "!" + (entry != null ? entry.getName() : relative);
        }

        @Override
        public boolean exists(String relative) {
            return entries.containsKey(relative);
        }

        @Override
        public boolean hasFolder(String relative) {
            return folders.contains(relative);
        }

        @Override
        public NpyArray npy(String relative) {
            ZipEntry entry = entries.get(relative);
            if (entry == null) {
                throw new RecordingFormatException(describe(relative) + ": file not found in the archive");
            }
            try (InputStream in = zip.getInputStream(entry)) {
                return Npy.parse(in.readAllBytes(), describe(relative));
            } catch (IOException e) {
                throw new RecordingFormatException(describe(relative) + ": cannot be read (corrupt archive?): "
                        + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                zip.close();
            } catch (IOException ignored) {
                // A read-only zip handle that fails to close leaves nothing to clean up.
            }
        }
    }
}
