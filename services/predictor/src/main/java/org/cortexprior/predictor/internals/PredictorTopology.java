package org.cortexprior.predictor.internals;

import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.cortexprior.avro.AppliedPredictions;
import org.cortexprior.avro.GramContribution;
import org.cortexprior.avro.SessionPredictions;
import org.cortexprior.avro.SessionProgress;
import org.cortexprior.avro.SessionShare;
import org.cortexprior.avro.TileAccumulator;
import org.cortexprior.kafka.Topics;
import org.cortexprior.predictor.PredictorConfig;
import org.cortexprior.serde.SchemaCatalog;

/**
 * Builds the predictor's Kafka Streams topology, independent of any client configuration, so
 * that the fast TopologyTestDriver tests and the broker integration tests run the same graph:
 *
 * <pre>
 * sessions + trials --SessionProcessor--> session-progress, trial-batches stores
 *                                     \-> announced-images topic --ImageSetProcessor--> image-sets
 * stimuli --StimulusProcessor--> stimuli store
 * (fit worker reads the stores, fits, publishes) session-predictions topic
 *     --PredictionsProcessor--> contributions topic (keyed by tile) --TileAggregator--> similarity
 * every processor --> dead-letters
 * </pre>
 */
public final class PredictorTopology {

    static final String DEAD_LETTER_SINK = "dead-letter-sink";
    static final String IMAGE_SET_SINK = "image-set-sink";
    static final String ANNOUNCED_IMAGES_SINK = "announced-images-sink";
    static final String CONTRIBUTIONS_SINK = "contributions-sink";
    static final String SIMILARITY_SINK = "similarity-sink";

    static {
        List<Class<?>> records = List.of(SessionPredictions.class, GramContribution.class, SessionShare.class,
                TileAccumulator.class, SessionProgress.class, AppliedPredictions.class);
        SchemaCatalog.trustGeneratedClasses(records);
        for (Class<?> type : records) {
            try {
                SchemaCatalog.global().register((Schema) type.getField("SCHEMA$").get(null));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private PredictorTopology() {
    }

    /** Makes the predictor's internal record types decodable in this JVM; idempotent. */
    public static void registerSchemas() {
        // The static initialiser does the work.
    }

    /** Builds the topology; {@code metrics} receives the processors' meters. */
    public static Topology build(PredictorConfig config, PredictorMetrics metrics) {
        String app = config.applicationId();
        StringDeserializer keys = new StringDeserializer();
        ByteArrayDeserializer values = new ByteArrayDeserializer();
        StringSerializer keyOut = new StringSerializer();
        ByteArraySerializer valueOut = new ByteArraySerializer();
        Topology topology = new Topology();

        topology.addSource("sessions-and-trials", keys, values, Topics.SESSIONS, Topics.TRIALS);
        topology.addProcessor("session-processor", () -> new SessionProcessor(config, metrics), "sessions-and-trials");
        topology.addStateStore(store(StoreNames.SESSION_PROGRESS), "session-processor");
        topology.addStateStore(store(StoreNames.TRIAL_BATCHES), "session-processor");

        topology.addSource("stimuli", keys, values, Topics.STIMULI);
        topology.addProcessor("stimulus-processor",
                () -> new StimulusProcessor(app, config.maxRecordBytes(), metrics), "stimuli");
        topology.addStateStore(store(StoreNames.STIMULI), "stimulus-processor");

        topology.addSink(ANNOUNCED_IMAGES_SINK, config.announcedImagesTopic(), keyOut, valueOut, "session-processor");
        topology.addSource("announced-images", keys, values, config.announcedImagesTopic());
        topology.addProcessor("image-set-processor", () -> new ImageSetProcessor(config, metrics), "announced-images");
        topology.addStateStore(store(StoreNames.IMAGE_SETS), "image-set-processor");

        topology.addSource("predictions", keys, values, config.predictionsTopic());
        topology.addProcessor("predictions-processor", () -> new PredictionsProcessor(app, metrics), "predictions");
        topology.addStateStore(store(StoreNames.STAGED_PREDICTIONS), "predictions-processor");
        topology.addStateStore(store(StoreNames.CURRENT_PREDICTIONS), "predictions-processor");
        topology.addStateStore(store(StoreNames.APPLIED_PREDICTIONS), "predictions-processor");

        topology.addSink(CONTRIBUTIONS_SINK, config.contributionsTopic(), keyOut, valueOut, "predictions-processor");
        topology.addSource("contributions", keys, values, config.contributionsTopic());
        topology.addProcessor("tile-aggregator", () -> new TileAggregator(app, metrics), "contributions");
        topology.addStateStore(store(StoreNames.TILES), "tile-aggregator");

        topology.addSink(SIMILARITY_SINK, Topics.SIMILARITY, keyOut, valueOut, "tile-aggregator");
        topology.addSink(IMAGE_SET_SINK, Topics.IMAGE_SETS, keyOut, valueOut, "session-processor", "image-set-processor");
        topology.addSink(DEAD_LETTER_SINK, Topics.DEAD_LETTERS, keyOut, valueOut, "session-processor",
                "stimulus-processor", "image-set-processor", "predictions-processor", "tile-aggregator");
        return topology;
    }

    /**
     * Returns the declarations of the predictor's own topics. The announced-images topic has one
     * partition because a single task owns the union image set.
     */
    public static List<NewTopic> topics(PredictorConfig config, short replicationFactor) {
        // The stores' changelogs hold what these topics carried once it is processed, so a week
        // of retention only has to cover a stopped application.
        Map<String, String> retained = Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(7L * 24 * 3600 * 1000),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES));
        return List.of(
                new NewTopic(config.predictionsTopic(), config.partitions(), replicationFactor).configs(retained),
                new NewTopic(config.contributionsTopic(), config.partitions(), replicationFactor).configs(retained),
                new NewTopic(config.announcedImagesTopic(), 1, replicationFactor).configs(retained));
    }

    private static StoreBuilder<?> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray());
    }
}
