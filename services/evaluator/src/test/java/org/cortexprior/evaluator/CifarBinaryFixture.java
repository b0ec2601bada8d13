package org.cortexprior.evaluator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Writes small folders in the CIFAR-10 binary layout, with random pixels, for command tests. */
final class CifarBinaryFixture {

    static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");

    private CifarBinaryFixture() {
    }

    /** Writes data_batch_1..5.bin with {@code perBatch} random records each and test_batch.bin with {@code test}. */
    static void write(Path dir, int perBatch, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(seed);
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), records(perBatch, random));
        }
        Files.write(dir.resolve("test_batch.bin"), records(test, random));
        Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", CLASSES) + "\n");
    }

    private static byte[] records(int count, Random random) {
        byte[] bytes = new byte[count * 3073];
        for (int i = 0; i < count; i++) {
            bytes[i * 3073] = (byte) (i % 10);
            for (int j = 1; j < 3073; j++) {
                bytes[i * 3073 + j] = (byte) random.nextInt(256);
            }
        }
        return bytes;
    }
}
