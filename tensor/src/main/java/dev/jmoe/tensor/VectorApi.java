package dev.jmoe.tensor;

/**
 * Whether the Vector API may be used, decided without loading any of its classes: not with {@code -Djmoe.vector=false},
 * not when the {@code jdk.incubator.vector} module is absent (code that names its types must then never be loaded).
 * The one place the property is read; {@link Simd} and the codecs' choices start from it.
 */
public final class VectorApi {
    private VectorApi() {}

    public static final boolean AVAILABLE = !"false".equalsIgnoreCase(System.getProperty("jmoe.vector", "true"))
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
}
