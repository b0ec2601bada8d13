package org.cortexprior.recordings;

/**
 * One recorded unit (a neuron, a multi-unit channel of an electrode array, or an imaging ROI).
 *
 * @param id unit id, unique within its session
 * @param area brain area such as V1 or V4, or null where the recording does not say
 * @param layer cortical layer such as L2/3, or null where the recording does not say
 */
public record RecordedNeuron(String id, String area, String layer) {
}
