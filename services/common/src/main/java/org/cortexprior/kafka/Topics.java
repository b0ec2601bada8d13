package org.cortexprior.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Names and settings of the topics the services share. Keys are UTF-8 strings; values are Avro
 * single-object encoded records (see {@link org.cortexprior.serde.AvroSerde}).
 *
 * <ul>
 *   <li>{@link #SESSIONS}: SessionAnnouncement keyed by session id, compacted.
 *   <li>{@link #STIMULI}: StimulusImage keyed by image id, compacted.
 *   <li>{@link #TRIALS}: TrialBatch keyed by session id, so one session's trials stay in order.
 *   <li>{@link #IMAGE_SETS}: ImageSet keyed by image-set id, compacted.
 *   <li>{@link #SIMILARITY}: SimilarityTile keyed {@code matrixId/row/column}, compacted.
 *   <li>{@link #TRAINING_EVENTS}: TrainingEvent keyed by run id.
 *   <li>{@link #DEAD_LETTERS}: DeadLetter keyed by the source topic.
 * </ul>
 */
public final class Topics {

    public static final String SESSIONS = "cortexprior.sessions";
    public static final String STIMULI = "cortexprior.stimuli";
    public static final String TRIALS = "cortexprior.trials";
    public static final String IMAGE_SETS = "cortexprior.image-sets";
    public static final String SIMILARITY = "cortexprior.similarity";
    public static final String TRAINING_EVENTS = "cortexprior.training-events";
    public static final String DEAD_LETTERS = "cortexprior.dead-letters";

    /** Largest record the topics accept (16 MiB): a 256 x 256 float64 Gram tile is 512 KiB. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private Topics() {
    }

    /** Returns the declarations of every shared topic with the given partition count. */
    public static List<NewTopic> declarations(int partitions, short replicationFactor) {
        Map<String, String> compacted = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        Map<String, String> retained = Map.of(
                TopicConfig.RETENTION_MS_CONFIG, "-1",
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(SESSIONS, partitions, replicationFactor).configs(compacted));
        topics.add(new NewTopic(STIMULI, partitions, replicationFactor).configs(compacted));
        topics.add(new NewTopic(TRIALS, partitions, replicationFactor).configs(retained));
        topics.add(new NewTopic(IMAGE_SETS, 1, replicationFactor).configs(compacted));
        topics.add(new NewTopic(SIMILARITY, partitions, replicationFactor).configs(compacted));
        topics.add(new NewTopic(TRAINING_EVENTS, 1, replicationFactor).configs(retained));
        topics.add(new NewTopic(DEAD_LETTERS, 1, replicationFactor).configs(retained));
        return topics;
    }

    /**
     * Creates the shared topics that do not exist yet; existing topics are left as they are.
     *
     * @throws IllegalStateException when the cluster cannot be reached within 60 seconds
     */
    public static void ensure(Admin admin, int partitions, short replicationFactor) {
        List<NewTopic> wanted = declarations(partitions, replicationFactor);
        try {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Failed to create topics: " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out after 60 s creating topics; is the broker reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        }
    }

    /** Returns the Kafka key of a similarity tile. */
    public static String tileKey(String matrixId, int tileRow, int tileColumn) {
        return matrixId + "/" + tileRow + "/" + tileColumn;
    }
}
