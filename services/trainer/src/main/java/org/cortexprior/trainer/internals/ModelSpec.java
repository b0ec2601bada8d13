package org.cortexprior.trainer.internals;

import java.util.List;

/**
 * Architecture of a {@link TappedResNet}, stored in every checkpoint so that a loader can rebuild
 * the network before reading its weights.
 *
 * @param widths channels of the four residual stages (ResNet-18: 64, 128, 256, 512)
 * @param blocksPerStage residual units per stage (ResNet-18: 2, 2, 2, 2)
 * @param stemKernel edge of the stride-1 stem convolution (7 in the reference layout)
 * @param inputChannels 1 for grayscale
 * @param imageSize edge in pixels of the classification images the network was trained on
 * @param classNames class names in logit order
 * @param blurSigma standard deviation in pixels of the fixed Gaussian blur in front of the
 *     network; 0 for none
 */
public record ModelSpec(int[] widths, int[] blocksPerStage, int stemKernel, int inputChannels,
                        int imageSize, List<String> classNames, double blurSigma) {

    /** Number of taps: after the stem and after each residual stage. */
    public int tapCount() {
        return widths.length + 1;
    }

    /** Returns the channel count at tap {@code k}. */
    public int tapChannels(int k) {
        return k == 0 ? widths[0] : widths[k - 1];
    }

    /** Returns the ResNet-18 layout with every stage width multiplied by {@code widthMultiplier}. */
    public static ModelSpec resnet18(double widthMultiplier, int imageSize, List<String> classNames,
                                     double blurSigma) {
        int[] widths = new int[4];
        for (int i = 0; i < 4; i++) {
            widths[i] = Math.max(1, (int) Math.round(64 * widthMultiplier * (1 << i)));
        }
        return new ModelSpec(widths, new int[] {2, 2, 2, 2}, 7, 1, imageSize, List.copyOf(classNames), blurSigma);
    }
}
