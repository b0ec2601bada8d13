package org.cortexprior.predictor.internals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pre-trained predictive model in place of a fitted one: a TensorFlow SavedModel (for example a
 * Keras model a lab exported) run by DJL's TensorFlow engine. Its serving signature takes a float32
 * batch of grayscale images {@code [count, size, size, 1]} with values in [0, 1] and returns
 * {@code [count, neurons]} responses. "Fitting" loads the model once and checks that it predicts
 * as many neurons as the session has. The held-out correlation and the neuron weights then come
 * from the session's trials, as for a fitted model.
 *
 * <p>NOTE: one SavedModel serves every session, so all sessions must record the same neurons in
 * the same order. Thread-confined, like every {@link ModelFitter}.
 */
public final class SavedModelFitter implements ModelFitter, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SavedModelFitter.class);

    /** Signature of the SavedModel that is run. */
    public static final String SIGNATURE = "serving_default";

    private final Path modelDir;
    private ZooModel<NDList, NDList> model;
    private Predictor<NDList, NDList> predictor;

    public SavedModelFitter(Path modelDir) {
        this.modelDir = modelDir;
    }

    @Override
    public String name() {
        return "savedmodel";
    }

    @Override
    public ResponseModel fit(FitData data) {
        load();
        int neurons = predict(new float[data.size() * data.size()], 1, data.size()).length;
        if (neurons != data.neurons()) {
            throw new IllegalStateException("SavedModel " + modelDir + " predicts " + neurons
                    + " responses per image, but the session has " + data.neurons() + " neurons");
        }
        int size = data.size();
        return new ResponseModel() {
            @Override
            public float[] predict(float[] images, int count) {
                return SavedModelFitter.this.predict(images, count, size);
            }

            @Override
            public int neuronCount() {
                return neurons;
            }
        };
    }

    private void load() {
        if (predictor != null) {
            return;
        }
        if (!Files.isRegularFile(modelDir.resolve("saved_model.pb"))) {
            throw new IllegalArgumentException("No TensorFlow SavedModel at " + modelDir
                    + ": expected a directory with saved_model.pb (set predictor.savedmodel.path)");
        }
        TensorFlowNatives.prepare();
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(modelDir)
                .optEngine("TensorFlow")
                .optOption("Tags", "serve")
                .optOption("SignatureDefKey", SIGNATURE)
                .build();
        try {
            model = criteria.loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException e) {
            throw new IllegalStateException("Failed to load the TensorFlow SavedModel at " + modelDir + ": " + e.getMessage(), e);
        }
        predictor = model.newPredictor();
        log.info("Loaded TensorFlow SavedModel {} (signature {})", modelDir, SIGNATURE);
    }

    /** Runs the model on {@code count} images of {@code size x size}; returns count x neurons, row-major. */
    private float[] predict(float[] images, int count, int size) {
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray batch = manager.create(images, new Shape(count, size, size, 1));
            NDList output = predictor.predict(new NDList(batch));
            NDArray responses = output.singletonOrThrow();
            if (responses.getShape().dimension() != 2 || responses.getShape().get(0) != count) {
                throw new IllegalStateException("SavedModel " + modelDir + " returned shape " + responses.getShape()
                        + " for " + count + " images; expected [" + count + ", neurons]");
            }
            return responses.toType(DataType.FLOAT32, false).toFloatArray();
        } catch (TranslateException e) {
            throw new IllegalStateException("TensorFlow SavedModel " + modelDir + " failed to predict: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (predictor != null) {
            predictor.close();
            model.close();
            predictor = null;
        }
    }
}
