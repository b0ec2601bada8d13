package org.cortexprior.trainer.internals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The two-convolution residual unit of ResNet-18 ("BasicBlock" in torchvision): 3x3 conv, batch
 * norm, ReLU, 3x3 conv, batch norm, plus a shortcut that is a 1x1 strided conv with batch norm when
 * the shape changes, then ReLU. Convolutions have no bias, as in torchvision.
 */
final class BasicResidualBlock extends AbstractBlock {

    final Conv2d conv1;
    final BatchNorm bn1;
    final Conv2d conv2;
    final BatchNorm bn2;
    /** Null when the shortcut is the identity. */
    final Conv2d downsampleConv;
    final BatchNorm downsampleNorm;

    BasicResidualBlock(int inChannels, int outChannels, int stride) {
        super((byte) 1);
        conv1 = addChildBlock("conv1", conv(outChannels, 3, stride, 1));
        bn1 = addChildBlock("bn1", BatchNorm.builder().build());
        conv2 = addChildBlock("conv2", conv(outChannels, 3, 1, 1));
        bn2 = addChildBlock("bn2", BatchNorm.builder().build());
        if (stride != 1 || inChannels != outChannels) {
            downsampleConv = addChildBlock("downsampleConv", conv(outChannels, 1, stride, 0));
            downsampleNorm = addChildBlock("downsampleNorm", BatchNorm.builder().build());
        } else {
            downsampleConv = null;
            downsampleNorm = null;
        }
    }

    static Conv2d conv(int filters, int kernel, int stride, int padding) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(filters)
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optBias(false)
                .build();
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDList main = conv1.forward(store, new NDList(x), training);
        main = bn1.forward(store, main, training);
        main = new NDList(Activation.relu(main.head()));
        main = conv2.forward(store, main, training);
        main = bn2.forward(store, main, training);

        NDArray shortcut = x;
        if (downsampleConv != null) {
            NDList projected = downsampleConv.forward(store, new NDList(x), training);
            shortcut = downsampleNorm.forward(store, projected, training).head();
        }
        return new NDList(Activation.relu(main.head().add(shortcut)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = conv1.getOutputShapes(inputShapes);
        return conv2.getOutputShapes(shapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv1.initialize(manager, dataType, inputShapes);
        Shape[] afterFirst = conv1.getOutputShapes(inputShapes);
        bn1.initialize(manager, dataType, afterFirst);
        conv2.initialize(manager, dataType, afterFirst);
        bn2.initialize(manager, dataType, conv2.getOutputShapes(afterFirst));
        if (downsampleConv != null) {
            downsampleConv.initialize(manager, dataType, inputShapes);
            downsampleNorm.initialize(manager, dataType, downsampleConv.getOutputShapes(inputShapes));
        }
    }
}
