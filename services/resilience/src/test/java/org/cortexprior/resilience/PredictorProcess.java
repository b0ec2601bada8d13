package org.cortexprior.resilience;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.cortexprior.avro.ImageSet;
import org.cortexprior.kafka.Topics;
import org.cortexprior.predictor.PredictorService;
import org.cortexprior.serde.CortexSerdes;
import org.cortexprior.runtime.ServiceConfig;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Runs {@link PredictorService} in a child JVM until it is killed: the configuration comes from
 * the properties file named by the first argument. Prints {@value #STARTED} once the service is
 * started and {@value #COMPLETE} once both the neural and the raw matrix are complete over a union
 * image set of at least {@value #EXPECTED_IMAGES} images; SIGTERM closes the service cleanly.
 *
 * <p>The image-set condition matters after a restart: a predictor that has not yet read the last
 * session's announcement reports the sessions it has read as complete.
 */
public final class PredictorProcess {

    static final String STARTED = "predictor-process: started";
    static final String COMPLETE = "predictor-process: complete";
    /** Configuration key: images the union image set must hold before completion counts. */
    static final String EXPECTED_IMAGES = "resilience.expected.images";

    /** Key of the union image set on the image-sets topic. */
    static final String UNION_IMAGE_SET = "union";

    private PredictorProcess() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(args[0]))) {
            properties.load(in);
        }
        Map<String, String> values = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> values.put(key, properties.getProperty(key)));
        ServiceConfig config = ServiceConfig.of(values);
        System.out.println("predictor-process: configuration\n" + config.describe());

        PredictorService service = PredictorService.start(config, new SimpleMeterRegistry());
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "predictor-process-stop"));
        System.out.println(STARTED);
        int expectedImages = config.getInt(EXPECTED_IMAGES, 0);
        try (TopicReader imageSets = new TopicReader(config.kafka(), Topics.IMAGE_SETS)) {
            while (true) {
                // The image set is read before the stores: once it lists every image, the committed
                // store state contains every session's announcement, so completion covers them all.
                ImageSet union = imageSets.latest(CortexSerdes.imageSet()).get(UNION_IMAGE_SET);
                boolean allAnnounced = union != null && union.getImageIds().size() >= expectedImages;
                if (allAnnounced && service.isComplete(PredictorService.NEURAL_MATRIX)
                        && service.isComplete(PredictorService.RAW_MATRIX)) {
                    System.out.println(COMPLETE);
                    break;
                }
                Thread.sleep(200);
            }
        }
        Thread.currentThread().join();
    }

    /** Writes a predictor configuration file for this main class. */
    static Path writeConfig(Path file, Map<String, String> values) throws IOException {
        Properties properties = new Properties();
        properties.putAll(values);
        Files.createDirectories(file.getParent());
        try (var out = Files.newBufferedWriter(file)) {
            properties.store(out, "predictor configuration for PredictorProcess");
        }
        return file;
    }
}
