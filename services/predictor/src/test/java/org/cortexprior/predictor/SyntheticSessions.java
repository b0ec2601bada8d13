package org.cortexprior.predictor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.cortexprior.avro.Neuron;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.SessionKey;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.Tier;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;

/**
 * Synthetic recordings for tests: random 16x16 RGB stimuli, and neurons whose responses are a
 * random linear filter of the grayscale image plus Gaussian trial noise, each image shown three
 * times. Sessions show different images.
 */
final class SyntheticSessions {

    final List<SessionAnnouncement> announcements = new ArrayList<>();
    final List<StimulusImage> stimuli = new ArrayList<>();
    final List<TrialBatch> batches = new ArrayList<>();

    SyntheticSessions(long seed, int[] imagesPerSession, int[] neuronsPerSession, int trialsPerBatch) {
        Random random = new Random(seed);
        for (int s = 0; s < imagesPerSession.length; s++) {
            String sessionId = "synthetic/" + s + "/1";
            List<String> imageIds = new ArrayList<>();
            List<float[]> grays = new ArrayList<>();
            for (int i = 0; i < imagesPerSession[s]; i++) {
                String id = "synthetic/" + s + "/image" + i;
                byte[] pixels = new byte[16 * 16 * 3];
                float[] gray = new float[256];
                for (int p = 0; p < 256; p++) {
                    int level = (int) (128 + 60 * Math.sin((p % 16) * (i + 1) / 7.0) + 30 * random.nextGaussian());
                    level = Math.max(0, Math.min(255, level));
                    pixels[3 * p] = (byte) level;
                    pixels[3 * p + 1] = (byte) level;
                    pixels[3 * p + 2] = (byte) level;
                    gray[p] = level / 255f;
                }
                imageIds.add(id);
                grays.add(gray);
                stimuli.add(StimulusImage.newBuilder().setImageId(id).setWidth(16).setHeight(16).setChannels(3)
                        .setPixels(ByteBuffer.wrap(pixels)).setProvenance("synthetic").build());
            }
            int neurons = neuronsPerSession[s];
            float[][] filters = new float[neurons][256];
            List<Neuron> neuronList = new ArrayList<>();
            for (int n = 0; n < neurons; n++) {
                for (int p = 0; p < 256; p++) {
                    filters[n][p] = (float) random.nextGaussian() / 16f;
                }
                neuronList.add(Neuron.newBuilder().setId("n" + n).build());
            }
            List<Trial> trials = new ArrayList<>();
            long trialId = 0;
            for (int repeat = 0; repeat < 3; repeat++) {
                for (int i = 0; i < imageIds.size(); i++) {
                    ByteBuffer responses = ByteBuffer.allocate(neurons * 4).order(ByteOrder.LITTLE_ENDIAN);
                    for (int n = 0; n < neurons; n++) {
                        double drive = 0;
                        for (int p = 0; p < 256; p++) {
                            drive += filters[n][p] * grays.get(i)[p];
                        }
                        responses.putFloat((float) (drive + 0.3 * random.nextGaussian()));
                    }
                    responses.flip();
                    trials.add(Trial.newBuilder().setTrialId(trialId++).setImageId(imageIds.get(i)).setTier(Tier.TRAIN)
                            .setResponses(responses).build());
                }
            }
            announcements.add(SessionAnnouncement.newBuilder().setSessionId(sessionId)
                    .setKey(SessionKey.newBuilder().setAnimal("synthetic").setSession(Integer.toString(s)).build())
                    .setNeurons(neuronList).setResponseUnits("a.u.").setStimulusImageIds(imageIds)
                    .setTrialCount(trials.size()).build());
            int batchCount = (trials.size() + trialsPerBatch - 1) / trialsPerBatch;
            for (int b = 0; b < batchCount; b++) {
                List<Trial> part = trials.subList(b * trialsPerBatch, Math.min(trials.size(), (b + 1) * trialsPerBatch));
                batches.add(TrialBatch.newBuilder().setSessionId(sessionId).setBatchIndex(b).setNeuronCount(neurons)
                        .setTrials(new ArrayList<>(part)).setLastBatch(b == batchCount - 1).build());
            }
        }
    }

    /** Returns the batches shuffled across and within sessions, with the last batch of each session last. */
    List<TrialBatch> shuffledBatches(long seed) {
        List<TrialBatch> middle = new ArrayList<>();
        List<TrialBatch> last = new ArrayList<>();
        for (TrialBatch b : batches) {
            (b.getLastBatch() ? last : middle).add(b);
        }
        Collections.shuffle(middle, new Random(seed));
        Collections.shuffle(last, new Random(seed + 1));
        middle.addAll(last);
        return middle;
    }

    List<TrialBatch> batchesOf(String sessionId) {
        return batches.stream().filter(b -> b.getSessionId().equals(sessionId)).toList();
    }

    StimulusImage stimulus(String id) {
        return stimuli.stream().filter(s -> s.getImageId().equals(id)).findFirst().orElse(null);
    }

    /** The union image set in announcement order. */
    List<String> union() {
        List<String> ids = new ArrayList<>();
        for (SessionAnnouncement a : announcements) {
            for (String id : a.getStimulusImageIds()) {
                if (!ids.contains(id)) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }
}
