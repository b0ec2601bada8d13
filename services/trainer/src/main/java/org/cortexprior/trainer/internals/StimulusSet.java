package org.cortexprior.trainer.internals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import javax.imageio.ImageIO;

import org.cortexprior.avro.StimulusImage;
import org.cortexprior.cli.InvalidInputException;

/**
 * Stimulus images by id, as square grayscale planes of one resolution, the form in which pair
 * batches enter the network. Not thread-safe for writes; reads after loading are safe.
 */
public final class StimulusSet {

    private final int resolution;
    private final Map<String, byte[]> images = new LinkedHashMap<>();

    public StimulusSet(int resolution) {
        this.resolution = resolution;
    }

    public int resolution() {
        return resolution;
    }

    public int size() {
        return images.size();
    }

    /** Returns the image ids in insertion order. */
    public List<String> ids() {
        return List.copyOf(images.keySet());
    }

    /** Returns the plane of an image, or null when it has not arrived. */
    public byte[] get(String imageId) {
        return images.get(imageId);
    }

    public boolean contains(String imageId) {
        return images.containsKey(imageId);
    }

    /** Returns a new set holding the given images of this one, sharing their planes. */
    public StimulusSet subset(List<String> imageIds) {
        StimulusSet subset = new StimulusSet(resolution);
        for (String id : imageIds) {
            byte[] plane = images.get(id);
            if (plane == null) {
                throw new IllegalArgumentException("stimulus " + id + " is not in this set");
            }
            subset.images.put(id, plane);
        }
        return subset;
    }

    /** Adds or replaces an image given as a grayscale plane of any size (centre-cropped, resized). */
    public void put(String imageId, byte[] gray, int width, int height) {
        images.put(imageId, Grayscale.squareResize(gray, width, height, resolution));
    }

    /** Adds or replaces an image from a stimuli-topic record. */
    public void put(StimulusImage record) {
        byte[] pixels = new byte[record.getPixels().remaining()];
        record.getPixels().duplicate().get(pixels);
        int w = record.getWidth();
        int h = record.getHeight();
        int c = record.getChannels();
        if (w <= 0 || h <= 0 || (c != 1 && c != 3 && c != 4) || pixels.length != (long) w * h * c) {
            throw new IllegalArgumentException("StimulusImage " + record.getImageId() + " has " + pixels.length
                    + " pixel bytes for width " + w + ", height " + h + ", channels " + c);
        }
        put(record.getImageId().toString(), Grayscale.ofInterleaved(pixels, w, h, c), w, h);
    }

    /**
     * Reads every image of a folder or zip (sorted by entry name) as stimuli; the id is the entry
     * path inside the folder or zip.
     */
    public static StimulusSet readImages(Path path, int resolution) {
        StimulusSet set = new StimulusSet(resolution);
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(path)) {
                files = walk.filter(Files::isRegularFile).filter(p -> isImage(p.toString())).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("Failed to list stimulus images in " + path, e);
            }
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file)) {
                    set.putDecoded(path.relativize(file).toString().replace('\\', '/'), in, file.toString());
                } catch (IOException e) {
                    throw new InvalidInputException("Cannot read stimulus image " + file + ": " + e.getMessage(), e);
                }
            }
        } else if (path.toString().toLowerCase(Locale.ROOT).endsWith(".zip") && Files.isRegularFile(path)) {
            try (ZipFile zip = new ZipFile(path.toFile())) {
                List<ZipEntry> entries = new ArrayList<>(zip.stream()
                        .filter(e -> !e.isDirectory() && isImage(e.getName())).toList());
                Collections.sort(entries, (a, b) -> a.getName().compareTo(b.getName()));
                for (ZipEntry entry : entries) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        set.putDecoded(entry.getName(), in, path + "!" + entry.getName());
                    }
                }
            } catch (IOException e) {
                throw new InvalidInputException("Cannot read stimulus zip " + path + ": " + e.getMessage(), e);
            }
        } else {
            throw new InvalidInputException("Stimulus images not found: " + path
                    + " (expected a folder or a .zip of images)");
        }
        if (set.size() < 2) {
            throw new InvalidInputException("Stimulus source " + path + " has " + set.size()
                    + " images; at least 2 are needed to form pairs");
        }
        return set;
    }

    /** Uses the first {@code count} images of a classification set as stimuli, ids {@code train/<i>}. */
    public static StimulusSet fromClassification(LabeledImages images, int count, int resolution) {
        StimulusSet set = new StimulusSet(resolution);
        int plane = images.imageSize() * images.imageSize();
        for (int i = 0; i < Math.min(count, images.size()); i++) {
            byte[] gray = new byte[plane];
            System.arraycopy(images.pixels(), i * plane, gray, 0, plane);
            set.put("train/" + i, gray, images.imageSize(), images.imageSize());
        }
        return set;
    }

    private void putDecoded(String id, InputStream in, String where) throws IOException {
        var image = ImageIO.read(in);
        if (image == null) {
            throw new InvalidInputException("Stimulus image " + where + " is not a readable JPEG, PNG, BMP or GIF");
        }
        put(id, Grayscale.of(image), image.getWidth(), image.getHeight());
    }

    static boolean isImage(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".jpg") || lower.endsWith(".jpeg") || lower.endsWith(".png")
                || lower.endsWith(".bmp") || lower.endsWith(".gif");
    }
}
