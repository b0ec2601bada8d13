/**
 * Loads DJL's PyTorch engine once while a container image is built, so its native libraries land
 * in ENGINE_CACHE_DIR inside the image and the running container (read-only root filesystem,
 * DJL_OFFLINE=true) never unpacks or downloads them. Run with the CLI's libraries on the class
 * path: {@code java -cp 'lib/*' DjlWarmup.java}. Exits with status 1 when the engine fails to load.
 */
public final class DjlWarmup {

    public static void main(String[] args) {
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
        System.out.println("Loaded DJL engine " + engine.getEngineName() + " " + engine.getVersion()
                + " with " + engine.getGpuCount() + " GPU(s) visible");
    }
}
