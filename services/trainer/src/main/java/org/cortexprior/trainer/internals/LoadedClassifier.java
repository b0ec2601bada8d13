package org.cortexprior.trainer.internals;

import java.util.List;

import org.cortexprior.trainer.ImageClassifier;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;

/** A {@link TappedResNet} in evaluation mode behind the {@link ImageClassifier} contract. */
public final class LoadedClassifier implements ImageClassifier {

    private final TappedResNet model;
    private final NDManager manager;
    private final Device device;
    private final ParameterStore store;

    public LoadedClassifier(TappedResNet model, NDManager manager, Device device) {
        this.model = model;
        this.manager = manager;
        this.device = device;
        this.store = new ParameterStore(manager, false);
    }

    public TappedResNet model() {
        return model;
    }

    @Override
    public int classCount() {
        return model.spec().classNames().size();
    }

    @Override
    public List<String> classNames() {
        return model.spec().classNames();
    }

    @Override
    public long[] inputShape() {
        int size = model.spec().imageSize();
        return new long[] {model.spec().inputChannels(), size, size};
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public NDArray logits(NDArray images) {
        long[] shape = images.getShape().getShape();
        long[] expected = inputShape();
        if (shape.length != 4 || shape[1] != expected[0]) {
            throw new IllegalArgumentException("Expected images of shape (N, " + expected[0] + ", H, W), got "
                    + images.getShape());
        }
        return model.forward(store, new NDList(images), false).head();
    }

    @Override
    public void close() {
        manager.close();
    }
}
