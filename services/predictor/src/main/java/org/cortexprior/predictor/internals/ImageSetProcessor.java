package org.cortexprior.predictor.internals;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.cortexprior.avro.ImageSet;
import org.cortexprior.avro.SessionAnnouncement;
import org.cortexprior.kafka.Topics;
import org.cortexprior.predictor.PredictorConfig;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintains the union image set, append-only in announcement order so that the row of every
 * image already in a matrix never moves, and publishes each version; also publishes the
 * configured list set once. Runs on a single key, so one task owns the union.
 */
final class ImageSetProcessor extends RoutingProcessor {

    private static final Logger log = LoggerFactory.getLogger(ImageSetProcessor.class);

    private final PredictorConfig config;
    private final AvroSerde<SessionAnnouncement> announcements = CortexSerdes.sessionAnnouncement();
    private final AvroSerde<ImageSet> imageSets = CortexSerdes.imageSet();
    private KeyValueStore<String, byte[]> store;

    ImageSetProcessor(PredictorConfig config, PredictorMetrics metrics) {
        super(config.applicationId(), metrics);
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        super.init(context);
        store = context.getStateStore(StoreNames.IMAGE_SETS);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        SessionAnnouncement announcement = announcements.decode(sourceTopic(), record.value());

        if (config.imageSetMode() == PredictorConfig.ImageSetMode.LIST && store.get(StoreNames.LIST_IMAGE_SET) == null) {
            ImageSet list = ImageSet.newBuilder().setImageSetId(StoreNames.LIST_IMAGE_SET)
                    .setImageIds(config.imageSetIds()).setDescription("Configured regularisation image list").build();
            publish(list, record.timestamp());
        }

        byte[] current = store.get(StoreNames.UNION_IMAGE_SET);
        List<String> ids = current == null ? new ArrayList<>()
                : new ArrayList<>(imageSets.decode(StoreNames.IMAGE_SETS, current).getImageIds());
        LinkedHashSet<String> known = new LinkedHashSet<>(ids);
        int before = ids.size();
        for (String id : announcement.getStimulusImageIds()) {
            if (known.add(id)) {
                ids.add(id);
            }
        }
        if (ids.size() == before) {
            return;
        }
        ImageSet union = ImageSet.newBuilder().setImageSetId(StoreNames.UNION_IMAGE_SET).setImageIds(ids)
                .setDescription("Union of the stimulus images of all announced sessions, in announcement order").build();
        publish(union, record.timestamp());
        log.info("[predictor] Union image set grew from {} to {} images with session {}", before, ids.size(),
                announcement.getSessionId());
    }

    private void publish(ImageSet set, long timestamp) {
        byte[] bytes = imageSets.serialize(Topics.IMAGE_SETS, set);
        store.put(set.getImageSetId(), bytes);
        context().forward(new Record<>(set.getImageSetId(), bytes, timestamp), PredictorTopology.IMAGE_SET_SINK);
    }
}
