package org.cortexprior.predictor;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.cortexprior.avro.AppliedPredictions;
import org.cortexprior.avro.SessionPredictions;
import org.cortexprior.avro.SessionProgress;
import org.cortexprior.avro.TileAccumulator;
import org.cortexprior.kafka.KafkaSettings;
import org.cortexprior.kafka.Topics;
import org.cortexprior.predictor.internals.CnnFitter;
import org.cortexprior.predictor.internals.FitWorker;
import org.cortexprior.predictor.internals.GramMath;
import org.cortexprior.predictor.internals.MatrixPlan;
import org.cortexprior.predictor.internals.ModelFitter;
import org.cortexprior.predictor.internals.PredictorMetrics;
import org.cortexprior.predictor.internals.PredictorStores;
import org.cortexprior.predictor.internals.PredictorTopology;
import org.cortexprior.predictor.internals.RidgeFitter;
import org.cortexprior.predictor.internals.SavedModelFitter;
import org.cortexprior.predictor.internals.StoreNames;
import org.cortexprior.runtime.KafkaMetricsBinding;
import org.cortexprior.serde.AvroSerde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The denoising predictor running in-process: a Kafka Streams application (exactly-once) that
 * validates sessions, trials and stimuli and aggregates Gram tiles, plus a fit worker thread that
 * fits each session's model and publishes its responses transactionally.
 *
 * <pre>{@code
 * try (PredictorService service = PredictorService.start(config, registry)) {
 *     service.awaitComplete(PredictorService.NEURAL_MATRIX, Duration.ofMinutes(10));
 * }
 * }</pre>
 *
 * <p>Reads {@code cortexprior.sessions}, {@code .stimuli} and {@code .trials}; writes
 * {@code cortexprior.similarity}, {@code .image-sets} and {@code .dead-letters}. Thread-safe.
 */
public final class PredictorService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PredictorService.class);

    /** Matrix id of the pooled denoised similarity matrix. */
    public static final String NEURAL_MATRIX = StoreNames.NEURAL_MATRIX;
    /** Matrix id of the similarity of observed (not denoised) responses. */
    public static final String RAW_MATRIX = StoreNames.RAW_MATRIX;

    private final PredictorConfig config;
    private final KafkaStreams streams;
    private final PredictorStores stores;
    private final FitWorker worker;
    private final Thread workerThread;
    private final Producer<String, byte[]> producer;
    private final List<KafkaMetricsBinding> kafkaMetrics;

    private PredictorService(PredictorConfig config, KafkaStreams streams, PredictorStores stores, FitWorker worker,
                             Producer<String, byte[]> producer, List<KafkaMetricsBinding> kafkaMetrics) {
        this.config = config;
        this.streams = streams;
        this.stores = stores;
        this.worker = worker;
        this.producer = producer;
        this.kafkaMetrics = kafkaMetrics;
        this.workerThread = new Thread(worker, "predictor-fit-worker");
        this.workerThread.setDaemon(true);
    }

    /** Returns the matrix id of a session's own matrix in {@code per-session} image-set mode. */
    public static String perSessionMatrix(String sessionId) {
        return StoreNames.perSessionMatrix(sessionId);
    }

    /** Returns the matrix id of a session's own raw-response matrix in {@code per-session} image-set mode. */
    public static String perSessionRawMatrix(String sessionId) {
        return StoreNames.perSessionRawMatrix(sessionId);
    }

    /**
     * Creates missing topics, starts the Streams application and the fit worker, and returns
     * without waiting for data.
     *
     * @param serviceConfig needs {@code bootstrap.servers}; see {@link PredictorConfig} for the keys
     * @param registry receives the predictor's meters and the metrics of its Kafka clients (Kafka
     *     Streams and the fit worker's producer, named as {@link KafkaMetricsBinding} describes)
     */
    public static PredictorService start(org.cortexprior.runtime.ServiceConfig serviceConfig, MeterRegistry registry) {
        PredictorTopology.registerSchemas();
        PredictorConfig config = new PredictorConfig(serviceConfig);
        KafkaSettings kafka = serviceConfig.kafka();
        try (Admin admin = Admin.create(kafka.admin())) {
            Topics.ensure(admin, config.partitions(), (short) 1);
            createMissing(admin, PredictorTopology.topics(config, (short) 1));
        }

        PredictorMetrics metrics = new PredictorMetrics(registry);
        KafkaStreams streams = new KafkaStreams(PredictorTopology.build(config, metrics), streamsProperties(config, kafka));
        PredictorStores stores = new PredictorStores(name -> streams.store(
                StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, byte[]>keyValueStore())));

        Producer<String, byte[]> producer = new KafkaProducer<>(kafka.producer(config.applicationId() + "-fit-worker"));
        producer.initTransactions();
        AvroSerde<SessionPredictions> serde = AvroSerde.of(SessionPredictions.class);
        FitWorker.PredictionSink sink = chunks -> {
            producer.beginTransaction();
            try {
                for (SessionPredictions chunk : chunks) {
                    producer.send(new ProducerRecord<>(config.predictionsTopic(), chunk.getSessionId(),
                            serde.serialize(config.predictionsTopic(), chunk)));
                }
                producer.commitTransaction();
            } catch (KafkaException e) {
                producer.abortTransaction();
                throw e;
            }
        };
        FitWorker worker = new FitWorker(config, stores, fitter(config), sink, metrics);
        List<KafkaMetricsBinding> kafkaMetrics = List.of(KafkaMetricsBinding.bind(registry, streams),
                KafkaMetricsBinding.bind(registry, producer));
        PredictorService service = new PredictorService(config, streams, stores, worker, producer, kafkaMetrics);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("[predictor] Stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((next, previous) ->
                log.info("[predictor] Streams application {} changed state from {} to {}", config.applicationId(), previous, next));
        streams.start();
        service.workerThread.start();
        log.info("[predictor] Started application {} (image set {}, model {}, tile size {}) against {}",
                config.applicationId(), config.imageSetMode(), config.model(), config.tileSize(), kafka.bootstrapServers());
        return service;
    }

    /** Returns the Kafka Streams settings: pass-through {@code streams.*} keys, then the fixed ones. */
    public static Properties streamsProperties(PredictorConfig config, KafkaSettings kafka) {
        Properties props = kafka.streams();
        props.putAll(config.serviceConfig().withPrefix(PredictorConfig.STREAMS_PREFIX));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.putIfAbsent(StreamsConfig.STATE_DIR_CONFIG,
                config.serviceConfig().getString(org.cortexprior.runtime.ServiceConfig.STATE_DIR, "cortexprior-state") + "/streams");
        props.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
        props.put(StreamsConfig.producerPrefix("max.request.size"), Integer.toString(Topics.MAX_MESSAGE_BYTES));
        props.put(StreamsConfig.consumerPrefix("max.partition.fetch.bytes"), Integer.toString(Topics.MAX_MESSAGE_BYTES));
        return props;
    }

    static ModelFitter fitter(PredictorConfig config) {
        return switch (config.model()) {
            case "cnn" -> new CnnFitter(config.seed());
            case "ridge" -> new RidgeFitter(config.seed());
            case "savedmodel" -> new SavedModelFitter(java.nio.file.Path.of(config.savedModelPath()));
            // PredictorConfig accepts only the models above, so this branch is a safety net.
            default -> {
                log.warn("[predictor] Model {} is not available in this build; using ridge", config.model());
                yield new RidgeFitter(config.seed());
            }
        };
    }

    private static void createMissing(Admin admin, List<NewTopic> topics) {
        try {
            var existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("Failed to create the predictor's topics: " + e.getMessage(), e);
            }
        }
    }

    /** Returns the Kafka Streams state: RUNNING once it processes. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Returns whether the Streams application is RUNNING or REBALANCING, the two states in which it
     * processes records or is about to. A health check reports DOWN in any other state.
     */
    public boolean isHealthy() {
        KafkaStreams.State state = streams.state();
        return state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
    }

    /**
     * Returns whether a matrix reflects the final fit of every announced session: every session
     * has ended, its last requested epoch is applied to the matrix, and every upper-triangle tile
     * holds that generation from every contributing session.
     */
    public boolean isComplete(String matrixId) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return false;
        }
        try {
            return complete(matrixId);
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            return false;
        }
    }

    private boolean complete(String matrixId) {
        Map<String, SessionProgress> sessions = stores.sessions();
        if (sessions.isEmpty()) {
            return false;
        }
        Map<String, Long> expected = new java.util.HashMap<>();
        int imageCount = -1;
        for (Map.Entry<String, SessionProgress> entry : sessions.entrySet()) {
            SessionProgress progress = entry.getValue();
            if (!progress.getEnded()) {
                return false;
            }
            for (MatrixPlan plan : MatrixPlan.forSession(config.imageSetMode(), progress.getAnnouncement(), stores)) {
                if (!plan.matrixId().equals(matrixId)) {
                    continue;
                }
                if (!plan.ready(progress.getAnnouncement())) {
                    return false;
                }
                long generation = StoreNames.generation(progress.getRequestedEpoch(), plan.imageIds().size());
                AppliedPredictions applied = stores.applied(matrixId, entry.getKey());
                if (applied == null || applied.getGeneration() < generation) {
                    return false;
                }
                expected.put(entry.getKey(), applied.getGeneration());
                imageCount = plan.imageIds().size();
            }
        }
        if (imageCount < 0) {
            return false;
        }
        int tilesPerEdge = GramMath.tileCount(imageCount, config.tileSize());
        Map<String, TileAccumulator> tiles = stores.tiles(matrixId);
        if (tiles.size() < tilesPerEdge * (tilesPerEdge + 1) / 2) {
            return false;
        }
        for (TileAccumulator tile : tiles.values()) {
            for (Map.Entry<String, Long> session : expected.entrySet()) {
                var share = tile.getSessions().get(session.getKey());
                // A session with no contributing neuron has no share; its absence is complete.
                if (share != null && share.getGeneration() < session.getValue()) {
                    return false;
                }
            }
            if (tile.getImageCount() < imageCount) {
                return false;
            }
        }
        return true;
    }

    /** Blocks until {@link #isComplete(String)} or the timeout; returns whether the matrix completed. */
    public boolean awaitComplete(String matrixId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (isComplete(matrixId)) {
                return true;
            }
            Thread.sleep(200);
        }
        return isComplete(matrixId);
    }

    @Override
    public void close() {
        worker.close();
        workerThread.interrupt();
        try {
            workerThread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kafkaMetrics.forEach(KafkaMetricsBinding::close);
        streams.close(Duration.ofSeconds(30));
        producer.close(Duration.ofSeconds(10));
        log.info("[predictor] Stopped application {}", config.applicationId());
    }
}
