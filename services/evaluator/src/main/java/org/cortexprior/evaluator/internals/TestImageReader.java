package org.cortexprior.evaluator.internals;

import java.nio.file.Path;

import org.cortexprior.evaluator.LabeledImages;
import org.cortexprior.trainer.internals.ClassificationData;
import org.cortexprior.trainer.internals.ClassificationDataReader;

/**
 * Reads the test split of a classification image source (CIFAR-10 or CIFAR-100 binary, an image
 * folder or a zip of one) as grayscale images in [0, 1], with the trainer's reader, so that
 * evaluation applies the same preprocessing as training.
 */
public final class TestImageReader {

    private TestImageReader() {
    }

    /**
     * Reads up to {@code limit} test images (0 for all) of edge {@code imageSize}.
     *
     * @throws org.cortexprior.cli.InvalidInputException when the source cannot be read or has no test split
     */
    public static LabeledImages read(Path source, int imageSize, int limit, long seed) {
        // NOTE: the trainer's reader lives in its internals package, so a change there can break this.
        // One training image is drawn because the reader always selects a training subset and 0 decodes all.
        ClassificationData data = ClassificationDataReader.read(source,
                new ClassificationDataReader.Selection(imageSize, 1, limit, 0.0, seed));
        org.cortexprior.trainer.internals.LabeledImages test = data.test();
        if (test.size() == 0) {
            throw new org.cortexprior.cli.InvalidInputException("No test images in " + source
                    + ": expected a test split (test_batch.bin, test.bin or a test/ folder)");
        }
        int size = test.imageSize() * test.imageSize();
        float[] pixels = new float[test.size() * size];
        byte[] bytes = test.pixels();
        for (int j = 0; j < pixels.length; j++) {
            pixels[j] = (bytes[j] & 0xff) / 255f;
        }
        return new LabeledImages(pixels, test.labels(), 1, test.imageSize(), test.imageSize(), test.classNames(),
                data.source() + ", test split, " + test.size() + " images");
    }
}
