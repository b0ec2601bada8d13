import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Writes a tiny TensorFlow SavedModel for the predictor's tests: grayscale images
 * [batch, size, size, 1] in, ELU(images W + b) + 1 out, one response per neuron, under the signature
 * {@code serving_default} (input {@code images}, output {@code responses}). Also writes the weights
 * to {@code weights.bin} beside the model (big-endian: size*size*neurons values of W row-major,
 * then neurons values of b) so that a test can compute the expected responses.
 *
 * <p>Runs as a single-file Java program in its own JVM, with TensorFlow Java 1.0.0
 * (tensorflow-core-api and its dependencies) on the class path, because DJL's TensorFlow engine
 * bundles other versions of the same classes:
 * {@code java -cp 'target/savedmodel-writer/*' src/test/tensorflow/TinySavedModelWriter.java DIR SIZE NEURONS SEED}.
 */
public final class TinySavedModelWriter {

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int size = Integer.parseInt(args[1]);
        int neurons = Integer.parseInt(args[2]);
        Random random = new Random(Long.parseLong(args[3]));

        float[][] weights = new float[size * size][neurons];
        for (float[] row : weights) {
            for (int n = 0; n < neurons; n++) {
                row[n] = (float) (random.nextGaussian() / size);
            }
        }
        float[] bias = new float[neurons];
        for (int n = 0; n < neurons; n++) {
            bias[n] = (float) (0.1 * random.nextGaussian());
        }

        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.withName("images")
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 1)));
            Operand<TFloat32> flat = tf.reshape(images, tf.constant(new long[] {-1, (long) size * size}));
            Operand<TFloat32> drive = tf.math.add(tf.linalg.matMul(flat, tf.constant(weights)), tf.constant(bias));
            Operand<TFloat32> responses = tf.withName("responses").math.add(tf.nn.elu(drive), tf.constant(1f));
            try (Session session = new Session(graph)) {
                Signature signature = Signature.builder().key(Signature.DEFAULT_KEY)
                        .input("images", images).output("responses", responses).build();
                SavedModelBundle.exporter(dir.toString()).withSession(session)
                        .withFunction(SessionFunction.create(signature, session)).export();
            }
        }

        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("weights.bin")))) {
            for (float[] row : weights) {
                for (float w : row) {
                    out.writeFloat(w);
                }
            }
            for (float b : bias) {
                out.writeFloat(b);
            }
        }
    }
}
