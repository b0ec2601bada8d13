package org.cortexprior.trainer.internals;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;

/**
 * SGD with momentum as PyTorch defines it ({@code buf = momentum * buf + grad; w -= lr * buf}), no
 * weight decay. Kept here rather than using DJL's optimizer so that the momentum buffers can be
 * checkpointed and restored, which exact resumption needs. Not thread-safe.
 */
public final class MomentumSgd {

    private final List<Parameter> parameters;
    private final NDList buffers;
    private final double momentum;

    /**
     * @param parameters trainable parameters, in a fixed order
     * @param restored momentum buffers from a checkpoint in the same order, or null to start at zero
     */
    public MomentumSgd(List<Parameter> parameters, NDList restored, double momentum) {
        this.parameters = List.copyOf(parameters);
        this.momentum = momentum;
        this.buffers = new NDList();
        for (int i = 0; i < parameters.size(); i++) {
            NDArray weight = parameters.get(i).getArray();
            NDArray buffer = weight.getManager().zeros(weight.getShape(), weight.getDataType(), weight.getDevice());
            if (restored != null) {
                if (restored.size() != parameters.size() || !restored.get(i).getShape().equals(weight.getShape())) {
                    throw new IllegalArgumentException("Optimizer state does not match the model: " + restored.size()
                            + " buffers for " + parameters.size() + " parameters");
                }
                buffer.set(restored.get(i).toDevice(weight.getDevice(), false).toFloatArray());
            }
            buffers.add(buffer);
        }
    }

    /** Applies one update with learning rate {@code lr} from the accumulated gradients, then zeroes them. */
    public void step(double lr) {
        // libtorch's grad mode is per thread and starts enabled on threads other than the one that
        // loaded the engine; an in-place update of a parameter with grad mode on fails, so the
        // update runs with it off whichever thread calls.
        boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            applyUpdate(lr);
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
        }
    }

    private void applyUpdate(double lr) {
        for (int i = 0; i < parameters.size(); i++) {
            NDArray weight = parameters.get(i).getArray();
            try (NDArray grad = weight.getGradient()) {
                NDArray buffer = buffers.get(i);
                buffer.muli(momentum).addi(grad);
                try (NDArray delta = buffer.mul(lr)) {
                    weight.subi(delta);
                }
                grad.subi(grad);
            }
        }
    }

    /** Returns the momentum buffers, in parameter order; owned by this optimizer. */
    public NDList buffers() {
        return buffers;
    }
}
