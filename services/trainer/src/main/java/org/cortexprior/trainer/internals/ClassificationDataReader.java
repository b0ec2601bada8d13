package org.cortexprior.trainer.internals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import javax.imageio.ImageIO;

import org.cortexprior.cli.InvalidInputException;

/**
 * Reads classification images from the layouts labs keep on disk, converts them to grayscale (see
 * {@link Grayscale}) and draws the subsets a run uses.
 *
 * <ul>
 *   <li>CIFAR-10 binary: a directory with {@code data_batch_1.bin} .. {@code data_batch_5.bin} and
 *       {@code test_batch.bin} (or its {@code cifar-10-batches-bin} subdirectory); records of 1
 *       label byte and 3,072 pixel bytes (red, green, blue planes of 32x32). Class names come from
 *       {@code batches.meta.txt} when present.
 *   <li>CIFAR-100 binary: {@code train.bin} and {@code test.bin} (or the {@code cifar-100-binary}
 *       subdirectory); records of a coarse and a fine label byte and 3,072 pixel bytes. The fine
 *       label (100 classes) is used; names come from {@code fine_label_names.txt} when present.
 *   <li>Image folders, as a directory or a zip: {@code [prefix/]train/<class>/<image>} and
 *       {@code [prefix/]test/<class>/<image>}, or {@code <class>/<image>} with no test split.
 *       JPEG, PNG, BMP and GIF are read; class names are the sorted folder names.
 * </ul>
 *
 * <p>Images that are not {@code imageSize} square are centre-cropped and area-resized. Only the
 * selected images are decoded, so small subsets of large folders load quickly.
 */
public final class ClassificationDataReader {

    private static final long CIFAR10_RECORD = 1 + 3072;
    private static final long CIFAR100_RECORD = 2 + 3072;

    private ClassificationDataReader() {
    }

    /**
     * What to draw from the source.
     *
     * @param imageSize edge of the square grayscale images
     * @param trainLimit maximum training images, or 0 for all that remain after the holdout
     * @param testLimit maximum test images, or 0 for all
     * @param validationFraction fraction of the training split held out for validation
     * @param seed seed of the random draws
     */
    public record Selection(int imageSize, int trainLimit, int testLimit, double validationFraction, long seed) {
    }

    /** Reads the source at {@code path} and draws the selection. */
    public static ClassificationData read(Path path, Selection selection) {
        if (!Files.exists(path)) {
            throw new InvalidInputException("Classification images not found: " + path
                    + " (expected a CIFAR binary directory, an image folder or a zip of one)");
        }
        Catalog catalog;
        if (Files.isDirectory(path)) {
            Path cifar10 = findWith(path, "data_batch_1.bin", "cifar-10-batches-bin");
            Path cifar100 = findWith(path, "train.bin", "cifar-100-binary");
            if (cifar10 != null) {
                catalog = cifarBinary(cifar10, true);
            } else if (cifar100 != null) {
                catalog = cifarBinary(cifar100, false);
            } else {
                catalog = folder(path);
            }
        } else if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")) {
            catalog = zip(path);
        } else {
            throw new InvalidInputException("Unsupported classification data " + path
                    + ": give a CIFAR-10/100 binary directory, an image folder, or a .zip of an image folder");
        }
        return select(catalog, selection, path.toString());
    }

    private static Path findWith(Path dir, String marker, String subdirectory) {
        if (Files.isRegularFile(dir.resolve(marker))) {
            return dir;
        }
        if (Files.isRegularFile(dir.resolve(subdirectory).resolve(marker))) {
            return dir.resolve(subdirectory);
        }
        return null;
    }

    /** Images of one source listed by split, decoded on demand. */
    private interface Decoder {
        byte[] gray(String split, int index, int size);
    }

    private record Catalog(List<String> classNames, List<Integer> trainLabels, List<Integer> testLabels,
                           Decoder decoder, AutoCloseable resource) {
    }

    private static ClassificationData select(Catalog catalog, Selection selection, String source) {
        try {
            int trainTotal = catalog.trainLabels().size();
            if (trainTotal == 0) {
                throw new InvalidInputException("No training images found in " + source);
            }
            Random random = new Random(selection.seed());
            List<Integer> order = shuffled(trainTotal, random);
            int holdout = (int) Math.ceil(trainTotal * selection.validationFraction());
            holdout = Math.min(holdout, trainTotal - 1);
            List<Integer> validationIdx = order.subList(0, holdout);
            List<Integer> rest = order.subList(holdout, trainTotal);
            List<Integer> trainIdx = selection.trainLimit() > 0 && selection.trainLimit() < rest.size()
                    ? rest.subList(0, selection.trainLimit()) : rest;
            List<Integer> testOrder = shuffled(catalog.testLabels().size(), new Random(selection.seed() + 1));
            List<Integer> testIdx = selection.testLimit() > 0 && selection.testLimit() < testOrder.size()
                    ? testOrder.subList(0, selection.testLimit()) : testOrder;

            return new ClassificationData(
                    decode(catalog, "train", trainIdx, catalog.trainLabels(), selection.imageSize()),
                    decode(catalog, "train", validationIdx, catalog.trainLabels(), selection.imageSize()),
                    decode(catalog, "test", testIdx, catalog.testLabels(), selection.imageSize()),
                    source);
        } finally {
            try {
                catalog.resource().close();
            } catch (Exception e) {
                // Closing a read-only file cannot lose data.
            }
        }
    }

    private static List<Integer> shuffled(int n, Random random) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        Collections.shuffle(order, random);
        return order;
    }

    private static LabeledImages decode(Catalog catalog, String split, List<Integer> indices,
                                        List<Integer> labels, int size) {
        int plane = size * size;
        byte[] pixels = new byte[indices.size() * plane];
        int[] selectedLabels = new int[indices.size()];
        IntStream.range(0, indices.size()).parallel().forEach(i -> {
            int index = indices.get(i);
            byte[] gray = catalog.decoder().gray(split, index, size);
            System.arraycopy(gray, 0, pixels, i * plane, plane);
            selectedLabels[i] = labels.get(index);
        });
        return new LabeledImages(catalog.classNames(), size, pixels, selectedLabels);
    }

    private static Catalog cifarBinary(Path dir, boolean cifar10) {
        List<Path> trainFiles = new ArrayList<>();
        List<Path> testFiles = new ArrayList<>();
        if (cifar10) {
            for (int i = 1; i <= 5; i++) {
                trainFiles.add(dir.resolve("data_batch_" + i + ".bin"));
            }
            testFiles.add(dir.resolve("test_batch.bin"));
        } else {
            trainFiles.add(dir.resolve("train.bin"));
            testFiles.add(dir.resolve("test.bin"));
        }
        long record = cifar10 ? CIFAR10_RECORD : CIFAR100_RECORD;
        int labelOffset = cifar10 ? 0 : 1;
        int classCount = cifar10 ? 10 : 100;
        byte[] train = readRecords(trainFiles, record);
        byte[] test = readRecords(testFiles.stream().filter(Files::exists).toList(), record);

        List<Integer> trainLabels = labels(train, record, labelOffset, classCount, trainFiles);
        List<Integer> testLabels = labels(test, record, labelOffset, classCount, testFiles);
        List<String> names = classNames(dir.resolve(cifar10 ? "batches.meta.txt" : "fine_label_names.txt"), classCount);
        Decoder decoder = (split, index, size) -> {
            byte[] data = split.equals("train") ? train : test;
            int base = (int) (index * record) + (int) (record - 3072);
            byte[] gray = new byte[1024];
            for (int p = 0; p < 1024; p++) {
                gray[p] = (byte) Grayscale.luma(data[base + p] & 0xff, data[base + 1024 + p] & 0xff,
                        data[base + 2048 + p] & 0xff);
            }
            return Grayscale.squareResize(gray, 32, 32, size);
        };
        return new Catalog(names, trainLabels, testLabels, decoder, () -> { });
    }

    private static byte[] readRecords(List<Path> files, long record) {
        try {
            long total = 0;
            for (Path file : files) {
                if (!Files.isRegularFile(file)) {
                    throw new InvalidInputException("CIFAR binary file missing: " + file);
                }
                long size = Files.size(file);
                if (size == 0 || size % record != 0) {
                    throw new InvalidInputException("CIFAR binary file " + file + " has " + size
                            + " bytes, not a positive multiple of the " + record + "-byte record");
                }
                total += size;
            }
            byte[] all = new byte[Math.toIntExact(total)];
            int offset = 0;
            for (Path file : files) {
                byte[] bytes = Files.readAllBytes(file);
                System.arraycopy(bytes, 0, all, offset, bytes.length);
                offset += bytes.length;
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read CIFAR binary files " + files + ": " + e.getMessage(), e);
        }
    }

    private static List<Integer> labels(byte[] data, long record, int labelOffset, int classCount, List<Path> files) {
        int n = (int) (data.length / record);
        List<Integer> labels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int label = data[(int) (i * record) + labelOffset] & 0xff;
            if (label >= classCount) {
                throw new InvalidInputException("CIFAR binary record " + i + " of " + files + " has label " + label
                        + ", outside 0.." + (classCount - 1) + "; is this the right CIFAR variant?");
            }
            labels.add(label);
        }
        return labels;
    }

    private static List<String> classNames(Path file, int classCount) {
        List<String> names = new ArrayList<>();
        if (Files.isRegularFile(file)) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        names.add(line.trim());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Failed to read class names from " + file, e);
            }
        }
        if (names.size() != classCount) {
            names.clear();
            for (int i = 0; i < classCount; i++) {
                names.add("class" + i);
            }
        }
        return names;
    }

    private static boolean isImage(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".jpg") || lower.endsWith(".jpeg") || lower.endsWith(".png")
                || lower.endsWith(".bmp") || lower.endsWith(".gif");
    }

    /** Entry names grouped into splits and classes; the split is "train" unless a test folder exists. */
    private record Layout(List<String> classNames, List<String> trainNames, List<Integer> trainLabels,
                          List<String> testNames, List<Integer> testLabels) {
    }

    private static Layout layout(List<String> names, String source) {
        TreeSet<String> classes = new TreeSet<>();
        TreeMap<String, String[]> parsed = new TreeMap<>();
        for (String name : names) {
            String[] parts = name.split("/");
            if (parts.length < 2 || !isImage(name) || parts[parts.length - 1].startsWith(".")) {
                continue;
            }
            String cls = parts[parts.length - 2];
            String split = parts.length >= 3 ? parts[parts.length - 3].toLowerCase(Locale.ROOT) : "";
            split = split.equals("test") ? "test" : "train";
            classes.add(cls);
            parsed.put(name, new String[] {split, cls});
        }
        if (classes.isEmpty()) {
            throw new InvalidInputException("No images in class folders found in " + source
                    + " (expected [train|test]/<class>/<image>.jpg)");
        }
        List<String> classNames = List.copyOf(classes);
        Layout layout = new Layout(classNames, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        parsed.forEach((name, info) -> {
            int label = Collections.binarySearch(classNames, info[1]);
            if (info[0].equals("test")) {
                layout.testNames().add(name);
                layout.testLabels().add(label);
            } else {
                layout.trainNames().add(name);
                layout.trainLabels().add(label);
            }
        });
        return layout;
    }

    private static byte[] decodeImage(byte[] bytes, String name, int size) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
            if (image == null) {
                throw new InvalidInputException("Image " + name + " is not a readable JPEG, PNG, BMP or GIF");
            }
            return Grayscale.squareResize(Grayscale.of(image), image.getWidth(), image.getHeight(), size);
        } catch (IOException e) {
            throw new InvalidInputException("Image " + name + " cannot be decoded: " + e.getMessage(), e);
        }
    }

    private static Catalog zip(Path path) {
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (IOException e) {
            throw new InvalidInputException("Cannot open zip " + path + ": " + e.getMessage(), e);
        }
        List<String> names = zip.stream().filter(e -> !e.isDirectory()).map(ZipEntry::getName).toList();
        Layout layout = layout(names, path.toString());
        Decoder decoder = (split, index, size) -> {
            String name = split.equals("train") ? layout.trainNames().get(index) : layout.testNames().get(index);
            try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
                return decodeImage(in.readAllBytes(), path + "!" + name, size);
            } catch (IOException e) {
                throw new InvalidInputException("Cannot read " + name + " from " + path + ": " + e.getMessage(), e);
            }
        };
        return new Catalog(layout.classNames(), layout.trainLabels(), layout.testLabels(), decoder, zip);
    }

    private static Catalog folder(Path root) {
        List<String> names;
        try (Stream<Path> files = Files.walk(root)) {
            names = files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to list " + root + ": " + e.getMessage(), e);
        }
        Layout layout = layout(names, root.toString());
        Decoder decoder = (split, index, size) -> {
            String name = split.equals("train") ? layout.trainNames().get(index) : layout.testNames().get(index);
            try {
                return decodeImage(Files.readAllBytes(root.resolve(name)), root.resolve(name).toString(), size);
            } catch (IOException e) {
                throw new InvalidInputException("Cannot read image " + root.resolve(name) + ": " + e.getMessage(), e);
            }
        };
        return new Catalog(layout.classNames(), layout.trainLabels(), layout.testLabels(), decoder, () -> { });
    }
}
