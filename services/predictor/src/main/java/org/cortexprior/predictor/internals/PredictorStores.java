package org.cortexprior.predictor.internals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.cortexprior.avro.AppliedPredictions;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SessionProgress;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.avro.TileAccumulator;
import org.cortexprior.avro.TrialBatch;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;

/**
 * Read-only access to the topology's state stores, from a running {@code KafkaStreams} (interactive
 * queries) or a {@code TopologyTestDriver}. Reads may see writes of a transaction that has not
 * committed yet; the worker tolerates that because a re-processed record writes the same values.
 *
 * <p>NOTE: interactive queries read only the stores of this instance, so the fit worker assumes a
 * single application instance holds every partition.
 */
public final class PredictorStores {

    private final Function<String, ReadOnlyKeyValueStore<String, byte[]>> lookup;
    private final AvroSerde<SessionProgress> progressSerde = AvroSerde.of(SessionProgress.class);
    private final AvroSerde<TrialBatch> batchSerde = CortexSerdes.trialBatch();
    private final AvroSerde<StimulusImage> stimulusSerde = CortexSerdes.stimulusImage();
    private final AvroSerde<ImageSet> imageSetSerde = CortexSerdes.imageSet();
    private final AvroSerde<AppliedPredictions> appliedSerde = AvroSerde.of(AppliedPredictions.class);
    private final AvroSerde<TileAccumulator> tileSerde = AvroSerde.of(TileAccumulator.class);

    public PredictorStores(Function<String, ReadOnlyKeyValueStore<String, byte[]>> lookup) {
        this.lookup = lookup;
    }

    public Map<String, SessionProgress> sessions() {
        Map<String, SessionProgress> result = new TreeMap<>();
        try (KeyValueIterator<String, byte[]> it = lookup.apply(StoreNames.SESSION_PROGRESS).all()) {
            it.forEachRemaining(kv -> result.put(kv.key, progressSerde.decode(StoreNames.SESSION_PROGRESS, kv.value)));
        }
        return result;
    }

    public List<TrialBatch> trialBatches(String sessionId) {
        List<TrialBatch> result = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = lookup.apply(StoreNames.TRIAL_BATCHES)
                .prefixScan(StoreNames.trialBatchPrefix(sessionId), new StringSerializer())) {
            it.forEachRemaining(kv -> result.add(batchSerde.decode(StoreNames.TRIAL_BATCHES, kv.value)));
        }
        return result;
    }

    public StimulusImage stimulus(String imageId) {
        byte[] bytes = lookup.apply(StoreNames.STIMULI).get(imageId);
        return bytes == null ? null : stimulusSerde.decode(StoreNames.STIMULI, bytes);
    }

    public ImageSet imageSet(String imageSetId) {
        byte[] bytes = lookup.apply(StoreNames.IMAGE_SETS).get(imageSetId);
        return bytes == null ? null : imageSetSerde.decode(StoreNames.IMAGE_SETS, bytes);
    }

    public AppliedPredictions applied(String matrixId, String sessionId) {
        byte[] bytes = lookup.apply(StoreNames.APPLIED_PREDICTIONS).get(StoreNames.matrixSessionKey(matrixId, sessionId));
        return bytes == null ? null : appliedSerde.decode(StoreNames.APPLIED_PREDICTIONS, bytes);
    }

    /** Returns the accumulated tiles of one matrix, keyed by tile key. */
    public Map<String, TileAccumulator> tiles(String matrixId) {
        Map<String, TileAccumulator> result = new TreeMap<>();
        try (KeyValueIterator<String, byte[]> it = lookup.apply(StoreNames.TILES)
                .prefixScan(matrixId + "/", new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                TileAccumulator tile = tileSerde.decode(StoreNames.TILES, kv.value);
                if (tile.getMatrixId().equals(matrixId)) {
                    result.put(kv.key, tile);
                }
            }
        }
        return result;
    }
}
