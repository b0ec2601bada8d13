package org.cortexprior.recordings;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.cortexprior.avro.StimulusImage;
import org.cortexprior.kafka.Topics;
import org.cortexprior.serde.AvroSerde;

/**
 * Decodes a session's stimulus images and encodes them as {@link StimulusImage} records ahead of
 * the thread that sends them, on one worker per processor, keeping at most 4 images per worker in
 * flight. {@link #next()} returns them in recording order.
 *
 * <p>Not thread-safe: one sending thread calls {@link #next()}; {@link #close()} stops the workers.
 */
final class StimulusPrefetch implements AutoCloseable {

    /** One encoded stimulus, ready to send. */
    record Encoded(String imageId, byte[] value) {
    }

    private final RecordedSession session;
    private final AvroSerde<StimulusImage> serde;
    private final ExecutorService workers;
    private final Deque<Future<Encoded>> pending = new ArrayDeque<>();
    private final int window;
    private int submitted;

    StimulusPrefetch(RecordedSession session, AvroSerde<StimulusImage> serde) {
        this.session = session;
        this.serde = serde;
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        this.window = threads * 4;
        this.workers = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "replay-image-decoder");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Returns the next image in recording order.
     *
     * @throws RecordingFormatException when an image cannot be decoded, naming the file
     */
    Encoded next() throws InterruptedException {
        while (submitted < session.imageCount() && pending.size() < window) {
            int index = submitted++;
            pending.add(workers.submit(() -> {
                Stimulus stimulus = session.stimulus(index);
                return new Encoded(stimulus.imageId(),
                        serde.serialize(Topics.STIMULI, SessionRecords.stimulusImage(stimulus)));
            }));
        }
        Future<Encoded> head = pending.poll();
        if (head == null) {
            throw new IllegalStateException("no stimulus left in session " + session.sessionId());
        }
        try {
            return head.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("Failed to decode a stimulus of session " + session.sessionId(), e.getCause());
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
