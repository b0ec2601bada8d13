package org.cortexprior.predictor.internals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.avro.SessionProgress;
import org.cortexprior.avro.Trial;
import org.cortexprior.avro.TrialBatch;
import org.cortexprior.kafka.Topics;
import org.cortexprior.predictor.PredictorConfig;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
import org.cortexprior.serde.RecordDecodingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates session announcements and trial batches (keyed by session id, co-partitioned), buffers
 * the accepted batches in a state store, and raises the session's requested fit epoch when
 * {@code predictor.refit.trials} new trials have arrived or the session ended. The fit worker picks
 * the request up from the store; nothing here waits for a fit.
 *
 * <p>Batches are de-duplicated by {@code batchIndex}, so a replayed batch is not counted twice.
 */
final class SessionProcessor extends RoutingProcessor {

    private static final Logger log = LoggerFactory.getLogger(SessionProcessor.class);

    private final PredictorConfig config;
    private final AvroSerde<SessionAnnouncement> announcements = CortexSerdes.sessionAnnouncement();
    private final AvroSerde<TrialBatch> batches = CortexSerdes.trialBatch();
    private final AvroSerde<SessionProgress> progressSerde = AvroSerde.of(SessionProgress.class);
    private final AvroSerde<ImageSet> imageSets = CortexSerdes.imageSet();
    private KeyValueStore<String, byte[]> progressStore;
    private KeyValueStore<String, byte[]> batchStore;

    SessionProcessor(PredictorConfig config, PredictorMetrics metrics) {
        super(config.applicationId(), metrics);
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        super.init(context);
        progressStore = context.getStateStore(StoreNames.SESSION_PROGRESS);
        batchStore = context.getStateStore(StoreNames.TRIAL_BATCHES);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.value() == null) {
            deadLetter(record, "invalid-values", "record has no value (a tombstone); expected an encoded record");
            return;
        }
        if (record.value().length > config.maxRecordBytes()) {
            deadLetter(record, "record-too-large", "value is " + record.value().length + " bytes, more than "
                    + PredictorConfig.MAX_RECORD_BYTES + "=" + config.maxRecordBytes());
            return;
        }
        if (Topics.SESSIONS.equals(sourceTopic())) {
            processAnnouncement(record);
        } else {
            processBatch(record);
        }
    }

    private void processAnnouncement(Record<String, byte[]> record) {
        SessionAnnouncement announcement;
        try {
            announcement = announcements.decode(sourceTopic(), record.value());
        } catch (RecordDecodingException e) {
            deadLetter(record, e.reason().code(), e.getMessage());
            return;
        }
        String sessionId = announcement.getSessionId();
        if (announcement.getNeurons().isEmpty()) {
            deadLetter(record, "invalid-values", "SessionAnnouncement " + sessionId + ": field neurons is empty");
            return;
        }
        if (announcement.getStimulusImageIds().isEmpty()) {
            deadLetter(record, "invalid-values", "SessionAnnouncement " + sessionId + ": field stimulusImageIds is empty");
            return;
        }

        SessionProgress existing = progress(sessionId);
        SessionProgress progress;
        if (existing == null) {
            progress = SessionProgress.newBuilder().setAnnouncement(announcement).setBufferedTrials(0)
                    .setTrialsAtLastRequest(0).setRequestedEpoch(0).setEnded(false).build();
            log.info("[predictor session={}] Announced: {} neurons, {} stimulus images, {} trials expected",
                    sessionId, announcement.getNeurons().size(), announcement.getStimulusImageIds().size(),
                    announcement.getTrialCount());
        } else if (existing.getAnnouncement().getNeurons().size() != announcement.getNeurons().size()
                && existing.getBufferedTrials() > 0) {
            deadLetter(record, "neuron-count-mismatch", "SessionAnnouncement " + sessionId + " re-announces "
                    + announcement.getNeurons().size() + " neurons but " + existing.getBufferedTrials()
                    + " trials with " + existing.getAnnouncement().getNeurons().size() + " neurons are buffered");
            return;
        } else {
            progress = SessionProgress.newBuilder(existing).setAnnouncement(announcement).build();
        }
        progressStore.put(sessionId, progressSerde.serialize(null, progress));

        context().forward(new Record<>(StoreNames.UNION_IMAGE_SET, record.value(), record.timestamp()),
                PredictorTopology.ANNOUNCED_IMAGES_SINK);
        if (config.imageSetMode() == PredictorConfig.ImageSetMode.PER_SESSION) {
            ImageSet own = ImageSet.newBuilder().setImageSetId(StoreNames.perSessionImageSet(sessionId))
                    .setImageIds(announcement.getStimulusImageIds())
                    .setDescription("Stimulus images of session " + sessionId).build();
            context().forward(new Record<>(own.getImageSetId(), imageSets.serialize(Topics.IMAGE_SETS, own),
                    record.timestamp()), PredictorTopology.IMAGE_SET_SINK);
        }
    }

    private void processBatch(Record<String, byte[]> record) {
        TrialBatch batch;
        try {
            batch = batches.decode(sourceTopic(), record.value());
        } catch (RecordDecodingException e) {
            deadLetter(record, e.reason().code(), e.getMessage());
            return;
        }
        String sessionId = batch.getSessionId();
        SessionProgress progress = progress(sessionId);
        if (progress == null) {
            deadLetter(record, "unknown-session", "TrialBatch " + batch.getBatchIndex() + " of session " + sessionId
                    + " arrived before (or without) its SessionAnnouncement on " + Topics.SESSIONS);
            return;
        }
        int neurons = progress.getAnnouncement().getNeurons().size();
        if (batch.getNeuronCount() != neurons) {
            deadLetter(record, "neuron-count-mismatch", "TrialBatch " + batch.getBatchIndex() + " of session "
                    + sessionId + ": neuronCount is " + batch.getNeuronCount() + " but the announcement lists "
                    + neurons + " neurons");
            return;
        }
        String invalid = validateTrials(batch, neurons, new HashSet<>(progress.getAnnouncement().getStimulusImageIds()));
        if (invalid != null) {
            deadLetter(record, "invalid-values", "TrialBatch " + batch.getBatchIndex() + " of session " + sessionId
                    + ": " + invalid);
            return;
        }

        String key = StoreNames.trialBatchKey(sessionId, batch.getBatchIndex());
        if (batchStore.get(key) != null) {
            metrics.duplicateBatch();
            log.info("[predictor session={}] Dropped trial batch {}: already applied", sessionId, batch.getBatchIndex());
            return;
        }
        batchStore.put(key, record.value());

        SessionProgress.Builder next = SessionProgress.newBuilder(progress)
                .setBufferedTrials(progress.getBufferedTrials() + batch.getTrials().size());
        if (batch.getLastBatch()) {
            next.setEnded(true);
        }
        long newTrials = next.getBufferedTrials() - progress.getTrialsAtLastRequest();
        // Once the session has ended, every late batch requests a refit, because batches may arrive after
        // the one marked last, and the final fit must include them.
        boolean ended = next.getEnded();
        if (newTrials >= config.refitTrials() || (ended && newTrials > 0) || (ended && progress.getRequestedEpoch() == 0)) {
            next.setRequestedEpoch(progress.getRequestedEpoch() + 1).setTrialsAtLastRequest(next.getBufferedTrials());
            log.info("[predictor session={}] Requested fit epoch {} with {} trials buffered ({})", sessionId,
                    next.getRequestedEpoch(), next.getBufferedTrials(), ended ? "session ended" : "refit interval reached");
        }
        progressStore.put(sessionId, progressSerde.serialize(null, next.build()));
        metrics.trialsBuffered(sessionId, next.getBufferedTrials());
    }

    /** Returns a description of the first invalid trial, or null when all are valid. */
    private static String validateTrials(TrialBatch batch, int neurons, Set<String> stimuli) {
        for (Trial trial : batch.getTrials()) {
            ByteBuffer responses = trial.getResponses().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (responses.remaining() != neurons * Float.BYTES) {
                return "trial " + trial.getTrialId() + " has " + responses.remaining() + " response bytes, expected "
                        + neurons * Float.BYTES + " (" + neurons + " float32 values)";
            }
            for (int n = 0; n < neurons; n++) {
                float v = responses.getFloat(responses.position() + n * Float.BYTES);
                if (!Float.isFinite(v)) {
                    return "trial " + trial.getTrialId() + " response of neuron " + n + " is " + v
                            + "; responses must be finite";
                }
            }
            if (!stimuli.contains(trial.getImageId())) {
                return "trial " + trial.getTrialId() + " shows image " + trial.getImageId()
                        + ", which is not among the session's announced stimulus images";
            }
        }
        return null;
    }

    private SessionProgress progress(String sessionId) {
        byte[] bytes = progressStore.get(sessionId);
        return bytes == null ? null : progressSerde.decode(StoreNames.SESSION_PROGRESS, bytes);
    }
}
