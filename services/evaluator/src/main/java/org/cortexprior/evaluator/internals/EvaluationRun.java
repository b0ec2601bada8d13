package org.cortexprior.evaluator.internals;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.cortexprior.evaluator.EvaluationProgress;
import org.cortexprior.evaluator.EvaluationSettings;
import org.cortexprior.evaluator.LabeledImages;
import org.cortexprior.evaluator.MinimalPerturbations;
import org.cortexprior.evaluator.Norm;
import org.cortexprior.evaluator.RobustnessResult;
import org.cortexprior.evaluator.RobustnessResult.HybridResult;
import org.cortexprior.evaluator.RobustnessResult.NoiseLevel;
import org.cortexprior.evaluator.RobustnessResult.PerturbationStats;
import org.cortexprior.trainer.ImageClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The steps of one robustness evaluation; see {@link org.cortexprior.evaluator.RobustnessEvaluator}. */
public final class EvaluationRun {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationRun.class);

    private final EvaluationSettings settings;
    private final ModelProbe probe;
    private final LabeledImages images;
    private final EvaluationProgress progress;

    public EvaluationRun(EvaluationSettings settings, ImageClassifier classifier, LabeledImages images,
            EvaluationProgress progress) {
        if (classifier.classCount() < images.classNames().size()) {
            throw new IllegalArgumentException("the classifier has " + classifier.classCount()
                    + " classes but the test images " + images.source() + " have " + images.classNames().size());
        }
        this.settings = settings;
        this.probe = new ModelProbe(classifier, images.channels(), images.height(), images.width());
        this.images = images;
        this.progress = progress;
    }

    /** Runs every measurement the settings ask for. */
    public RobustnessResult evaluate() {
        boolean[] correct = classify();
        int correctCount = 0;
        for (boolean c : correct) {
            correctCount += c ? 1 : 0;
        }
        double cleanAccuracy = images.size() == 0 ? Double.NaN : (double) correctCount / images.size();
        LOG.info("[evaluator] clean accuracy {} ({} of {} images of {})", String.format("%.4f", cleanAccuracy),
                correctCount, images.size(), images.source());

        int[] order = permutation(images.size(), settings.seed());
        int[] noiseIndices = settings.noiseImages() == 0 || settings.noiseImages() >= order.length ? order
                : Arrays.copyOf(order, settings.noiseImages());
        List<NoiseLevel> noise = NoiseEvaluation.run(probe, images, noiseIndices, settings.noiseSigmas(),
                settings.noiseRepetitions(), settings.seed(), settings.batchSize(), progress);
        LOG.info("[evaluator] noise accuracy {} over {} images", summary(noise), noiseIndices.length);

        int[] correctInOrder = Arrays.stream(order).filter(i -> correct[i]).toArray();
        int[] attacked = Arrays.copyOf(correctInOrder, Math.min(settings.attackImages(), correctInOrder.length));
        PerturbationStats linf = null;
        PerturbationStats l2 = null;
        if (attacked.length > 0) {
            linf = stats(attack(attacked, Norm.LINF));
            l2 = stats(attack(attacked, Norm.L2));
            LOG.info("[evaluator] median minimal perturbation over {} images: L-inf {} (not fooled {}), L2 {} (not fooled {})",
                    attacked.length, linf.median(), linf.notFooled(), l2.median(), l2.notFooled());
        } else if (settings.attackImages() > 0) {
            LOG.warn("[evaluator] no correctly classified image to attack; the adversarial figures are left out");
        }

        HybridResult hybrid = null;
        if (settings.hybridPairs() > 0) {
            hybrid = HybridImageTest.run(probe, images, correctInOrder, settings.hybridPairs(),
                    settings.hybridCutoffSigma(), settings.seed(), settings.batchSize());
            if (hybrid != null) {
                LOG.info("[evaluator] hybrid images: {} pairs, follows low frequencies {}, high {}", hybrid.pairs(),
                        hybrid.followsLow(), hybrid.followsHigh());
            }
        }
        return new RobustnessResult(images.size(), correctCount, cleanAccuracy, noise, linf, l2, hybrid, settings);
    }

    /** Finds the minimal perturbation of the images at {@code indices} under {@code norm}. */
    public MinimalPerturbations attack(int[] indices, Norm norm) {
        int size = images.imageSize();
        int count = indices.length;
        double[] pgd = new double[count];
        double[] deepFool = new double[count];
        double[] minimal = new double[count];
        double maxSize = norm == Norm.LINF ? settings.maxLinf() : settings.maxL2();
        DeepFoolAttack deepFoolAttack = new DeepFoolAttack(probe, norm, settings.deepFoolIterations(),
                settings.deepFoolCandidates(), settings.deepFoolOvershoot());
        PgdAttack pgdAttack = new PgdAttack(probe, norm, settings.pgdSteps());

        progress.stageStarted("minimal " + norm.label() + " perturbation", count, "images");
        for (int start = 0; start < count; start += settings.batchSize()) {
            int n = Math.min(settings.batchSize(), count - start);
            float[] batch = new float[n * size];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                images.copyImage(indices[start + i], batch, i * size);
                labels[i] = images.label(indices[start + i]);
            }
            double[] fromDeepFool = deepFoolAttack.minimalPerturbations(batch, n, labels, maxSize);
            double[] fromPgd = pgdAttack.minimalPerturbations(batch, n, labels, fromDeepFool, maxSize,
                    settings.bisectionSteps());
            for (int i = 0; i < n; i++) {
                deepFool[start + i] = fromDeepFool[i];
                pgd[start + i] = fromPgd[i];
                minimal[start + i] = Math.min(fromDeepFool[i], fromPgd[i]);
            }
            progress.advanced(n);
        }
        progress.stageFinished();
        return new MinimalPerturbations(norm, pgd, deepFool, minimal);
    }

    private boolean[] classify() {
        int size = images.imageSize();
        boolean[] correct = new boolean[images.size()];
        progress.stageStarted("clean accuracy", images.size(), "images");
        for (int start = 0; start < images.size(); start += settings.batchSize()) {
            int n = Math.min(settings.batchSize(), images.size() - start);
            float[] batch = new float[n * size];
            for (int i = 0; i < n; i++) {
                images.copyImage(start + i, batch, i * size);
            }
            float[] logits = probe.logits(batch, n);
            for (int i = 0; i < n; i++) {
                correct[start + i] = probe.predicted(logits, i) == images.label(start + i);
            }
            progress.advanced(n);
        }
        progress.stageFinished();
        return correct;
    }

    private static PerturbationStats stats(MinimalPerturbations found) {
        double[] fooled = Arrays.stream(found.minimal()).filter(Double::isFinite).sorted().toArray();
        return new PerturbationStats(found.norm(), found.size(), found.size() - fooled.length,
                Perturbations.median(found.minimal()), Perturbations.median(found.pgd()),
                Perturbations.median(found.deepFool()), fooled);
    }

    /** Returns a seeded random permutation of {@code 0 .. n-1} (Fisher-Yates). */
    static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private static String summary(List<NoiseLevel> noise) {
        StringBuilder text = new StringBuilder();
        for (NoiseLevel level : noise) {
            text.append(String.format(java.util.Locale.ROOT, "%s%.2f:%.3f", text.length() == 0 ? "" : " ",
                    level.sigma(), level.accuracy()));
        }
        return text.toString();
    }
}
