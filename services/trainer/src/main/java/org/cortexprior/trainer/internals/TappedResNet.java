package org.cortexprior.trainer.internals;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/**
 * ResNet-18 for small grayscale images with five feature taps: a stride-1 stem convolution (no max
 * pool), four residual stages, global average pooling (4x4 at 32x32 input) and a linear layer.
 *
 * <p>Input: float {@code (N, 1, H, W)} in [0, 1]. The front end applies the optional fixed Gaussian
 * blur and then scales inputs as {@code 5 * (x - 0.5)}. Output: {@code NDList(logits, tap0..tap4)}
 * where tap 0 is after the stem and tap k after stage k.
 *
 * <p>The block also owns the regulariser's state: {@code gamma} (trainable tap-mixing logits,
 * initialised to 0) and one per-channel running mean per tap (not trainable), so that both travel
 * with the weights in checkpoints. Not thread-safe.
 */
public final class TappedResNet extends AbstractBlock {

    private final ModelSpec spec;
    final Conv2d stem;
    final BatchNorm stemNorm;
    final List<List<BasicResidualBlock>> stages = new ArrayList<>();
    final Linear fc;
    final Parameter gamma;
    final List<Parameter> tapMeans = new ArrayList<>();
    private final GaussianBlur blur;

    public TappedResNet(ModelSpec spec) {
        super((byte) 1);
        this.spec = spec;
        stem = addChildBlock("stem", BasicResidualBlock.conv(spec.widths()[0], spec.stemKernel(), 1,
                spec.stemKernel() / 2));
        stemNorm = addChildBlock("stemNorm", BatchNorm.builder().build());
        int in = spec.widths()[0];
        for (int s = 0; s < spec.widths().length; s++) {
            List<BasicResidualBlock> stage = new ArrayList<>();
            int out = spec.widths()[s];
            for (int b = 0; b < spec.blocksPerStage()[s]; b++) {
                int stride = (b == 0 && s > 0) ? 2 : 1;
                stage.add(addChildBlock("layer" + (s + 1) + "." + b, new BasicResidualBlock(in, out, stride)));
                in = out;
            }
            stages.add(stage);
        }
        fc = addChildBlock("fc", Linear.builder().setUnits(spec.classNames().size()).build());

        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.OTHER)
                .optShape(new Shape(spec.tapCount())).optInitializer(new ConstantInitializer(0f)).build());
        for (int k = 0; k < spec.tapCount(); k++) {
            tapMeans.add(addParameter(Parameter.builder().setName("tapMean" + k)
                    .setType(Parameter.Type.RUNNING_MEAN).optRequiresGrad(false)
                    .optShape(new Shape(spec.tapChannels(k))).optInitializer(new ConstantInitializer(0f))
                    .build()));
        }
        // He-normal initialisation of every convolution, as torchvision's ResNet does.
        setInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.OUT, 2),
                p -> p.getType() == Parameter.Type.WEIGHT && p.getShape() != null && p.getShape().dimension() == 4);
        this.blur = spec.blurSigma() > 0 ? new GaussianBlur(spec.blurSigma()) : null;
    }

    public ModelSpec spec() {
        return spec;
    }

    /** Returns the trainable tap-mixing logits, shape (taps). */
    public NDArray gamma() {
        return gamma.getArray();
    }

    /** Returns the per-channel running means of the taps, each shape (channels). */
    public NDList tapMeans() {
        NDList means = new NDList();
        for (Parameter p : tapMeans) {
            means.add(p.getArray());
        }
        return means;
    }

    /** Applies the fixed front end: optional blur, then {@code 5 * (x - 0.5)}. */
    public NDArray frontEnd(NDArray images) {
        NDArray x = blur != null ? blur.apply(images) : images;
        return x.sub(0.5).mul(5);
    }

    /**
     * Returns {@code images} (N, C, H, W) with the same shape and values, stored channels last
     * (N, H, W, C in memory). libtorch's oneDNN convolutions then keep every activation in that
     * layout. With the default layout, the backward pass of each strided convolution first copies
     * its input into channels-last order, so those convolutions ran about 2.5 times slower on a CPU.
     */
    static NDArray channelsLast(NDArray images) {
        Shape shape = images.getShape();
        return images.transpose(0, 2, 3, 1).reshape(-1)
                .reshape(shape.get(0), shape.get(2), shape.get(3), shape.get(1))
                .transpose(0, 3, 1, 2);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = channelsLast(frontEnd(inputs.head()));
        NDList taps = new NDList();
        NDList current = stem.forward(store, new NDList(x), training);
        current = stemNorm.forward(store, current, training);
        current = new NDList(Activation.relu(current.head()));
        taps.add(current.head());
        for (List<BasicResidualBlock> stage : stages) {
            for (BasicResidualBlock block : stage) {
                current = block.forward(store, current, training);
            }
            taps.add(current.head());
        }

        NDArray last = current.head();
        NDArray pooled = last.reshape(last.getShape().get(0), last.getShape().get(1), -1).mean(new int[] {2});
        NDArray logits = fc.forward(store, new NDList(pooled), training).head();
        NDList result = new NDList(logits);
        result.addAll(taps);
        return result;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long n = inputShapes[0].get(0);
        Shape[] shapes = new Shape[1 + spec.tapCount()];
        shapes[0] = new Shape(n, spec.classNames().size());
        long h = inputShapes[0].get(2);
        long w = inputShapes[0].get(3);
        shapes[1] = new Shape(n, spec.widths()[0], h, w);
        for (int s = 0; s < spec.widths().length; s++) {
            if (s > 0) {
                h = (h + 1) / 2;
                w = (w + 1) / 2;
            }
            shapes[2 + s] = new Shape(n, spec.widths()[s], h, w);
        }
        return shapes;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        stem.initialize(manager, dataType, shapes);
        shapes = stem.getOutputShapes(shapes);
        stemNorm.initialize(manager, dataType, shapes);
        for (List<BasicResidualBlock> stage : stages) {
            for (BasicResidualBlock block : stage) {
                block.initialize(manager, dataType, shapes);
                shapes = block.getOutputShapes(shapes);
            }
        }
        fc.initialize(manager, dataType, new Shape(shapes[0].get(0), shapes[0].get(1)));
    }

    /** Returns the sequence of residual stages, for export. */
    List<List<BasicResidualBlock>> stages() {
        return stages;
    }
}
