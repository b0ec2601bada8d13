package org.cortexprior.predictor.internals;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.cortexprior.avro.GramContribution;
import org.cortexprior.avro.SessionShare;
import org.cortexprior.avro.SimilarityTile;
import org.cortexprior.avro.TileAccumulator;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
import org.cortexprior.serde.RecordDecodingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sums Gram contributions per tile (the records arrive keyed by tile) and publishes the tile's
 * centred cosine similarities with a new version after each contribution. The tile keeps the
 * diagonals of its row and column images, so it normalises without reading other tiles.
 *
 * <p>When the image set has grown since the tile was created, the tile is enlarged with zeros:
 * image sets only append, so existing rows keep their place.
 */
final class TileAggregator extends RoutingProcessor {

    private static final Logger log = LoggerFactory.getLogger(TileAggregator.class);

    private final AvroSerde<GramContribution> contributionSerde = AvroSerde.of(GramContribution.class);
    private final AvroSerde<TileAccumulator> accumulatorSerde = AvroSerde.of(TileAccumulator.class);
    private final AvroSerde<SimilarityTile> tileSerde = CortexSerdes.similarityTile();
    private KeyValueStore<String, byte[]> tiles;

    TileAggregator(String application, PredictorMetrics metrics) {
        super(application, metrics);
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        super.init(context);
        tiles = context.getStateStore(StoreNames.TILES);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        GramContribution contribution;
        try {
            contribution = contributionSerde.decode(sourceTopic(), record.value());
        } catch (RecordDecodingException e) {
            deadLetter(record, e.reason().code(), e.getMessage());
            return;
        }
        String key = Topics.tileKey(contribution.getMatrixId(), contribution.getTileRow(), contribution.getTileColumn());
        byte[] stored = tiles.get(key);
        TileAccumulator tile = stored == null ? empty(contribution) : accumulatorSerde.decode(StoreNames.TILES, stored);

        SessionShare share = tile.getSessions().get(contribution.getSessionId());
        if (share != null && share.getGeneration() >= contribution.getGeneration()) {
            log.warn("[predictor session={}] Ignored contribution of generation {} to tile {}: generation {} already applied",
                    contribution.getSessionId(), contribution.getGeneration(), key, share.getGeneration());
            return;
        }
        tile = grow(tile, contribution);
        int rows = tile.getRows();
        int columns = tile.getColumns();
        double[] block = LittleEndian.toDoubles(tile.getBlock());
        double[] rowDiagonal = LittleEndian.toDoubles(tile.getRowDiagonal());
        double[] columnDiagonal = LittleEndian.toDoubles(tile.getColumnDiagonal());
        double[] delta = LittleEndian.toDoubles(contribution.getBlock());
        double[] deltaRows = LittleEndian.toDoubles(contribution.getRowDiagonal());
        double[] deltaColumns = LittleEndian.toDoubles(contribution.getColumnDiagonal());
        for (int i = 0; i < contribution.getRows(); i++) {
            for (int j = 0; j < contribution.getColumns(); j++) {
                block[i * columns + j] += delta[i * contribution.getColumns() + j];
            }
            rowDiagonal[i] += deltaRows[i];
        }
        for (int j = 0; j < contribution.getColumns(); j++) {
            columnDiagonal[j] += deltaColumns[j];
        }

        Map<String, SessionShare> sessions = new HashMap<>(tile.getSessions());
        if (contribution.getNeuronCount() > 0) {
            sessions.put(contribution.getSessionId(), new SessionShare(contribution.getGeneration(), contribution.getNeuronCount()));
        } else {
            sessions.remove(contribution.getSessionId());
        }
        TileAccumulator next = TileAccumulator.newBuilder(tile).setVersion(tile.getVersion() + 1)
                .setBlock(LittleEndian.doubles(block)).setRowDiagonal(LittleEndian.doubles(rowDiagonal))
                .setColumnDiagonal(LittleEndian.doubles(columnDiagonal)).setSessions(sessions).build();
        tiles.put(key, accumulatorSerde.serialize(null, next));

        int neurons = sessions.values().stream().mapToInt(SessionShare::getNeuronCount).sum();
        long now = System.currentTimeMillis();
        SimilarityTile similarity = SimilarityTile.newBuilder()
                .setMatrixId(next.getMatrixId()).setImageSetId(next.getImageSetId()).setVersion(next.getVersion())
                .setTileRow(next.getTileRow()).setTileColumn(next.getTileColumn()).setTileSize(next.getTileSize())
                .setRows(rows).setColumns(columns).setImageCount(next.getImageCount())
                .setValues(LittleEndian.floats(GramMath.normalise(block, rowDiagonal, columnDiagonal, rows, columns)))
                .setSessionCount(sessions.size()).setNeuronCount(neurons).setUpdatedAtMs(now).build();
        context().forward(new Record<>(key, tileSerde.serialize(Topics.SIMILARITY, similarity), record.timestamp()),
                PredictorTopology.SIMILARITY_SINK);
        metrics.tileEmitted(next.getMatrixId(), contribution.getCreatedAtMs());
    }

    private static TileAccumulator empty(GramContribution c) {
        return TileAccumulator.newBuilder().setMatrixId(c.getMatrixId()).setImageSetId(c.getImageSetId())
                .setImageCount(c.getImageCount()).setTileSize(c.getTileSize()).setTileRow(c.getTileRow())
                .setTileColumn(c.getTileColumn()).setRows(c.getRows()).setColumns(c.getColumns()).setVersion(0)
                .setBlock(LittleEndian.doubles(new double[c.getRows() * c.getColumns()]))
                .setRowDiagonal(LittleEndian.doubles(new double[c.getRows()]))
                .setColumnDiagonal(LittleEndian.doubles(new double[c.getColumns()]))
                .setSessions(new HashMap<>()).build();
    }

    /** Enlarges the tile with zeros when the contribution comes from a larger image set. */
    private static TileAccumulator grow(TileAccumulator tile, GramContribution c) {
        if (c.getRows() <= tile.getRows() && c.getColumns() <= tile.getColumns()) {
            return c.getImageCount() <= tile.getImageCount() ? tile
                    : TileAccumulator.newBuilder(tile).setImageCount(c.getImageCount()).setImageSetId(c.getImageSetId()).build();
        }
        int rows = Math.max(tile.getRows(), c.getRows());
        int columns = Math.max(tile.getColumns(), c.getColumns());
        double[] old = LittleEndian.toDoubles(tile.getBlock());
        double[] block = new double[rows * columns];
        for (int i = 0; i < tile.getRows(); i++) {
            System.arraycopy(old, i * tile.getColumns(), block, i * columns, tile.getColumns());
        }
        double[] rowDiagonal = java.util.Arrays.copyOf(LittleEndian.toDoubles(tile.getRowDiagonal()), rows);
        double[] columnDiagonal = java.util.Arrays.copyOf(LittleEndian.toDoubles(tile.getColumnDiagonal()), columns);
        return TileAccumulator.newBuilder(tile).setRows(rows).setColumns(columns)
                .setImageCount(Math.max(tile.getImageCount(), c.getImageCount()))
                .setBlock(LittleEndian.doubles(block)).setRowDiagonal(LittleEndian.doubles(rowDiagonal))
                .setColumnDiagonal(LittleEndian.doubles(columnDiagonal)).build();
    }
}
