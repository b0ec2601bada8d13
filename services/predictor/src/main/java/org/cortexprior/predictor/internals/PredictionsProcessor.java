package org.cortexprior.predictor.internals;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.cortexprior.avro.AppliedPredictions;
import org.cortexprior.avro.GramContribution;
import org.cortexprior.avro.SessionPredictions;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.RecordDecodingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a session's new generation of centred, weighted responses into Gram contributions: once
 * every chunk of a generation has arrived, it emits for each upper-triangle tile the change
 * {@code P_new P_new^T - P_old P_old^T}, computed as one product {@code [P_new | P_old] [P_new | -P_old]^T},
 * then makes the new generation current.
 *
 * <p>A generation at or below the applied one is dropped, so a fit the worker publishes twice
 * (after a restart of the worker) is counted once. Under exactly-once processing the store updates
 * and the emitted contributions commit together.
 */
final class PredictionsProcessor extends RoutingProcessor {

    private static final Logger log = LoggerFactory.getLogger(PredictionsProcessor.class);

    private final AvroSerde<SessionPredictions> predictionsSerde = AvroSerde.of(SessionPredictions.class);
    private final AvroSerde<GramContribution> contributionSerde = AvroSerde.of(GramContribution.class);
    private final AvroSerde<AppliedPredictions> appliedSerde = AvroSerde.of(AppliedPredictions.class);
    private KeyValueStore<String, byte[]> staged;
    private KeyValueStore<String, byte[]> current;
    private KeyValueStore<String, byte[]> applied;

    PredictionsProcessor(String application, PredictorMetrics metrics) {
        super(application, metrics);
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        super.init(context);
        staged = context.getStateStore(StoreNames.STAGED_PREDICTIONS);
        current = context.getStateStore(StoreNames.CURRENT_PREDICTIONS);
        applied = context.getStateStore(StoreNames.APPLIED_PREDICTIONS);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        SessionPredictions chunk;
        try {
            chunk = predictionsSerde.decode(sourceTopic(), record.value());
        } catch (RecordDecodingException e) {
            deadLetter(record, e.reason().code(), e.getMessage());
            return;
        }
        String matrixSession = StoreNames.matrixSessionKey(chunk.getMatrixId(), chunk.getSessionId());
        AppliedPredictions done = applied(matrixSession);
        if (done != null && chunk.getGeneration() <= done.getGeneration()) {
            return;
        }
        staged.put(StoreNames.stagedKey(chunk.getMatrixId(), chunk.getSessionId(), chunk.getGeneration(), chunk.getChunk()),
                record.value());

        List<SessionPredictions> generation = stagedGeneration(chunk);
        if (generation.size() < chunk.getChunkCount()) {
            return;
        }
        List<SessionPredictions> previous = currentChunks(matrixSession);
        emitContributions(generation, previous);

        for (SessionPredictions old : previous) {
            current.delete(StoreNames.chunkKey(old.getMatrixId(), old.getSessionId(), old.getChunk()));
        }
        for (SessionPredictions next : generation) {
            current.put(StoreNames.chunkKey(next.getMatrixId(), next.getSessionId(), next.getChunk()),
                    predictionsSerde.serialize(null, next));
        }
        deleteStaged(matrixSession);
        applied.put(matrixSession, appliedSerde.serialize(null, AppliedPredictions.newBuilder()
                .setGeneration(chunk.getGeneration()).setImageCount(chunk.getImageCount())
                .setChunkCount(chunk.getChunkCount()).setValidationCorrelation(chunk.getValidationCorrelation()).build()));
        log.info("[predictor session={}] Applied generation {} of matrix {}: {} images, {} of {} neurons contribute",
                chunk.getSessionId(), chunk.getGeneration(), chunk.getMatrixId(), chunk.getImageCount(),
                chunk.getContributingNeurons(), chunk.getNeuronCount());
    }

    private void emitContributions(List<SessionPredictions> generation, List<SessionPredictions> previous) {
        SessionPredictions first = generation.get(0);
        int images = first.getImageCount();
        int neurons = first.getNeuronCount();
        int tileSize = first.getTileSize();
        float[] newValues = assemble(generation, images, neurons, tileSize);
        float[] oldValues = previous.isEmpty() ? new float[images * neurons]
                : assemble(previous, images, neurons, tileSize);
        double[] newDiagonal = GramMath.diagonal(newValues, images, neurons);
        double[] oldDiagonal = GramMath.diagonal(oldValues, images, neurons);
        // Tiles beyond the previous generation's image set never received its contribution, so
        // their diagonals must get the full new values rather than (new - old).
        int previousTiles = previous.isEmpty() ? 0 : GramMath.tileCount(previous.get(0).getImageCount(), tileSize);
        long createdAt = first.getCreatedAtMs() > 0 ? first.getCreatedAtMs() : System.currentTimeMillis();

        // One product [new | old] [new | -old]^T gives new·new^T - old·old^T in a single pass.
        float[] left = new float[images * 2 * neurons];
        float[] right = new float[images * 2 * neurons];
        for (int i = 0; i < images; i++) {
            for (int n = 0; n < neurons; n++) {
                float a = newValues[i * neurons + n];
                float b = oldValues[i * neurons + n];
                left[i * 2 * neurons + n] = a;
                left[i * 2 * neurons + neurons + n] = b;
                right[i * 2 * neurons + n] = a;
                right[i * 2 * neurons + neurons + n] = -b;
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray l = manager.create(left, new Shape(images, 2L * neurons));
            NDArray r = manager.create(right, new Shape(images, 2L * neurons));
            GramMath.forEachTile(l, r, images, tileSize, (row, column, rows, columns, block) -> {
                double[] rowDiagonal = new double[rows];
                double[] columnDiagonal = new double[columns];
                boolean tileHasPrevious = column < previousTiles;
                for (int i = 0; i < rows; i++) {
                    int image = row * tileSize + i;
                    rowDiagonal[i] = newDiagonal[image] - (tileHasPrevious ? oldDiagonal[image] : 0.0);
                }
                for (int j = 0; j < columns; j++) {
                    int image = column * tileSize + j;
                    columnDiagonal[j] = newDiagonal[image] - (tileHasPrevious ? oldDiagonal[image] : 0.0);
                }
                GramContribution contribution = GramContribution.newBuilder()
                        .setMatrixId(first.getMatrixId()).setImageSetId(first.getImageSetId()).setImageCount(images)
                        .setTileSize(tileSize).setTileRow(row).setTileColumn(column).setRows(rows).setColumns(columns)
                        .setSessionId(first.getSessionId()).setGeneration(first.getGeneration())
                        .setNeuronCount(first.getContributingNeurons())
                        .setBlock(LittleEndian.doubles(block)).setRowDiagonal(LittleEndian.doubles(rowDiagonal))
                        .setColumnDiagonal(LittleEndian.doubles(columnDiagonal)).setCreatedAtMs(createdAt).build();
                String key = Topics.tileKey(first.getMatrixId(), row, column);
                context().forward(new Record<>(key, contributionSerde.serialize(null, contribution), createdAt),
                        PredictorTopology.CONTRIBUTIONS_SINK);
            });
        }
    }

    /** Lays chunks out as one images x neurons array; images beyond a smaller, older set stay zero. */
    private static float[] assemble(List<SessionPredictions> chunks, int images, int neurons, int tileSize) {
        float[] values = new float[images * neurons];
        for (SessionPredictions chunk : chunks) {
            float[] part = LittleEndian.toFloats(chunk.getValues());
            int offset = chunk.getChunk() * tileSize * neurons;
            int length = Math.min(part.length, values.length - offset);
            if (chunk.getNeuronCount() != neurons) {
                throw new IllegalStateException("Session " + chunk.getSessionId() + " changed its neuron count from "
                        + chunk.getNeuronCount() + " to " + neurons + " between generations");
            }
            System.arraycopy(part, 0, values, offset, Math.max(0, length));
        }
        return values;
    }

    private List<SessionPredictions> stagedGeneration(SessionPredictions chunk) {
        String prefix = StoreNames.matrixSessionKey(chunk.getMatrixId(), chunk.getSessionId()) + "|"
                + String.format("%019d", chunk.getGeneration()) + "|";
        return scan(staged, prefix);
    }

    private List<SessionPredictions> currentChunks(String matrixSession) {
        return scan(current, matrixSession + "|");
    }

    private void deleteStaged(String matrixSession) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = staged.prefixScan(matrixSession + "|",
                new org.apache.kafka.common.serialization.StringSerializer())) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(staged::delete);
    }

    private List<SessionPredictions> scan(KeyValueStore<String, byte[]> store, String prefix) {
        List<SessionPredictions> result = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix,
                new org.apache.kafka.common.serialization.StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                result.add(predictionsSerde.decode(StoreNames.STAGED_PREDICTIONS, kv.value));
            }
        }
        return result;
    }

    private AppliedPredictions applied(String key) {
        byte[] bytes = applied.get(key);
        return bytes == null ? null : appliedSerde.decode(StoreNames.APPLIED_PREDICTIONS, bytes);
    }
}
