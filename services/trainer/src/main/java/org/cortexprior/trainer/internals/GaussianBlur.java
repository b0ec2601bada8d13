package org.cortexprior.trainer.internals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * A fixed isotropic Gaussian blur of single-channel images, used as a front end that removes high
 * spatial frequencies. The kernel spans {@code 2 * ceil(3 sigma) + 1} pixels. At the borders the
 * kernel is renormalised over the pixels inside the image (a normalised convolution), so edges are
 * neither darkened nor mirrored.
 */
public final class GaussianBlur {

    private final double sigma;
    private final float[] kernel;
    private final int radius;

    public GaussianBlur(double sigma) {
        if (!(sigma > 0)) {
            throw new IllegalArgumentException("blur sigma must be positive, got " + sigma);
        }
        this.sigma = sigma;
        this.radius = (int) Math.ceil(3 * sigma);
        int size = 2 * radius + 1;
        kernel = new float[size * size];
        double sum = 0;
        for (int y = -radius; y <= radius; y++) {
            for (int x = -radius; x <= radius; x++) {
                double v = Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
                kernel[(y + radius) * size + (x + radius)] = (float) v;
                sum += v;
            }
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] /= (float) sum;
        }
    }

    public double sigma() {
        return sigma;
    }

    /** Blurs {@code (N, 1, H, W)} images; the result lives on the input's manager and device. */
    public NDArray apply(NDArray images) {
        NDManager manager = images.getManager();
        int size = 2 * radius + 1;
        NDArray weight = manager.create(kernel, new Shape(1, 1, size, size))
                .toType(images.getDataType(), false).toDevice(images.getDevice(), false);
        Shape padding = new Shape(radius, radius);
        Shape stride = new Shape(1, 1);
        Shape dilation = new Shape(1, 1);
        NDArray blurred = Conv2d.conv2d(images, weight, null, stride, padding, dilation, 1).head();
        Shape plane = new Shape(1, 1, images.getShape().get(2), images.getShape().get(3));
        NDArray ones = manager.ones(plane, images.getDataType(), images.getDevice());
        NDArray coverage = Conv2d.conv2d(ones, weight, null, stride, padding, dilation, 1).head();
        return blurred.div(coverage);
    }
}
