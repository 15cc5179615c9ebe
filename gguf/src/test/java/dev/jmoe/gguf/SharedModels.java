package dev.jmoe.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Locates {@code ../shared/models}; tests that need it skip (not fail) when it is absent. */
public final class SharedModels {
    private SharedModels() {}

    public static Path dir() {
        String p = System.getProperty("jmoe.shared");
        Path base = p != null ? Path.of(p) : Path.of("..", "..", "shared");
        return base.resolve("models").toAbsolutePath().normalize();
    }

    public static boolean present() {
        return Files.isDirectory(dir());
    }

    /** A shared model file; skips the calling test when it is absent. */
    public static Path require(String name) {
        Path f = dir().resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(f), "shared model " + f + " is absent");
        return f;
    }

    /** Every .gguf under shared/models (including vocab/), or an empty list. */
    public static List<Path> allGguf() {
        if (!present()) return List.of();
        try (Stream<Path> s = Files.walk(dir())) {
            return s.filter(f -> f.toString().endsWith(".gguf")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
