package org.cortexprior.predictor.internals;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.cortexprior.avro.StimulusImage;
import org.cortexprior.serde.AvroSerde;
import org.cortexprior.serde.CortexSerdes;
import org.cortexprior.serde.RecordDecodingException;

/** Validates stimulus images and keeps the valid ones in a store for the fit worker. */
final class StimulusProcessor extends RoutingProcessor {

    private final AvroSerde<StimulusImage> serde = CortexSerdes.stimulusImage();
    private final int maxRecordBytes;
    private KeyValueStore<String, byte[]> store;

    StimulusProcessor(String application, int maxRecordBytes, PredictorMetrics metrics) {
        super(application, metrics);
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        super.init(context);
        store = context.getStateStore(StoreNames.STIMULI);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.value() == null) {
            deadLetter(record, "invalid-values", "record has no value (a tombstone); expected a StimulusImage");
            return;
        }
        if (record.value().length > maxRecordBytes) {
            deadLetter(record, "record-too-large", "StimulusImage value is " + record.value().length + " bytes, more than " + maxRecordBytes);
            return;
        }
        StimulusImage image;
        try {
            image = serde.decode(sourceTopic(), record.value());
        } catch (RecordDecodingException e) {
            deadLetter(record, e.reason().code(), e.getMessage());
            return;
        }
        long expected = (long) image.getWidth() * image.getHeight() * image.getChannels();
        if (image.getWidth() <= 0 || image.getHeight() <= 0 || (image.getChannels() != 1 && image.getChannels() != 3)) {
            deadLetter(record, "invalid-values", "StimulusImage " + image.getImageId() + ": size " + image.getWidth() + "x"
                    + image.getHeight() + "x" + image.getChannels() + " is invalid; expected positive sizes and 1 or 3 channels");
            return;
        }
        if (image.getPixels().remaining() != expected) {
            deadLetter(record, "invalid-values", "StimulusImage " + image.getImageId() + ": pixels has "
                    + image.getPixels().remaining() + " bytes, expected width*height*channels = " + expected);
            return;
        }
        store.put(image.getImageId(), record.value());
    }
}
