package org.cortexprior.predictor.internals;

/**
 * A fitted predictive model of one session's neurons: grayscale images in, one predicted response
 * per neuron out, in the recording's response units.
 */
public interface ResponseModel {

    /**
     * Predicts responses.
     *
     * @param images count x size x size grayscale in [0, 1], row-major
     * @return count x neurons, row-major
     */
    float[] predict(float[] images, int count);

    int neuronCount();
}
