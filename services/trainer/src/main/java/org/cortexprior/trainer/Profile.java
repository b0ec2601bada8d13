package org.cortexprior.trainer;

import java.util.Locale;

/**
 * Named sets of {@link TrainingParameters}.
 *
 * <ul>
 *   <li>{@code paper}: the published configuration: ResNet-18 widths 64..512, 40 epochs over all
 *       training images, batch 64 plus 16 pairs, alpha 10, SGD lr 0.1 with momentum 0.9 and no
 *       weight decay, a cycle of 5 phases x 4 epochs (lr x0.3 per phase) restarting every 20
 *       epochs, 1% validation holdout. Needs a GPU to finish in hours.
 *   <li>{@code cpu}: widths 16..128 (multiplier 0.25), 4 epochs over 4,000 training images (248
 *       steps), one cycle of 4 one-epoch phases, 2,000 test images. Sized so that one run takes
 *       at most about 5 to 6 minutes on 2 CPU cores, and 6 runs (3 targets x 2 seeds) fit in a
 *       one-hour comparison. On grayscale CIFAR-10 it reaches a validation accuracy of about 0.3
 *       to 0.36, far below that of the {@code paper} profile.
 *       NOTE: the times come from a 2-core machine shared with other jobs, and depend mostly on
 *       that load and on libtorch's intra-op threads ({@link TrainerConfig#intraOpThreads()}).
 *       A {@code pixel-threshold} run on the CIFAR-10 JPEG zip took 52 s of wall time with 1
 *       thread at a load average of 4 to 6 (511 images/s), and 336 s with 1 thread at a load
 *       average of 10 to 15. A {@code none} run (64 instead of 96 images per step) took 299 s
 *       with 1 thread at a load average of 9 to 16. With the earlier 6,000 training images (372
 *       steps) and libtorch's default 2 threads, a {@code pixel-threshold} run took 608 s at a
 *       load average of 5 to 8, and at a load average near 20, 2 threads progressed at 0.1
 *       steps/s.
 *   <li>{@code smoke}: widths 8..64 (multiplier 0.125), 2 epochs over 1,024 training images, 500
 *       test images; under a minute on 2 cores, for checking that the pipeline runs and learns.
 * </ul>
 *
 * All profiles use 32x32 classification images and stimulus images, and 500 stimulus images from
 * the training split when no stimulus source is given.
 */
public enum Profile {
    PAPER(new TrainingParameters(1.0, 40, 0, 0, 32, 32, 64, 16, 10, 1e-2, 0.1, 0.9, 20, 5, 0.3, 0.01, 500, 0.8, 0.9, 500)),
    CPU(new TrainingParameters(0.25, 4, 4000, 2000, 32, 32, 64, 16, 10, 1e-2, 0.1, 0.9, 4, 4, 0.3, 0.01, 500, 0.8, 0.9, 200)),
    SMOKE(new TrainingParameters(0.125, 2, 1024, 500, 32, 32, 64, 16, 10, 1e-2, 0.1, 0.9, 2, 2, 0.3, 0.01, 500, 0.8, 0.9, 0));

    private final TrainingParameters parameters;

    Profile(TrainingParameters parameters) {
        this.parameters = parameters;
    }

    public TrainingParameters parameters() {
        return parameters;
    }

    /** Parses {@code paper}, {@code cpu} or {@code smoke}; case-insensitive. */
    public static Profile parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown profile '" + name + "'; expected paper, cpu or smoke", e);
        }
    }
}
