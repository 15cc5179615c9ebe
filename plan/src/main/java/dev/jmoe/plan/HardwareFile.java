package dev.jmoe.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hardware from a YAML/JSON file: the same fields as the flags ({@code gpus, cpu, ram, ram_bw, vram, gpu_bw, pcie,
 * disk, nodes, link}), or the calibration file {@code jmoe calibrate} writes ({@code ~/.config/jmoe/hardware.json}).
 */
public final class HardwareFile {
    private HardwareFile() {}

    public static Path calibrationPath() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("jmoe").resolve("hardware.json");
    }

    public static HardwareSpec read(Path file) {
        try {
            ObjectMapper om = file.toString().endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
            JsonNode n = om.readTree(Files.readString(file));
            if (n == null || !n.isObject()) throw new IllegalArgumentException(file + ": expected a mapping of hardware fields");
            if (n.has("measured")) return Calibration.spec(n);
            return new HardwareSpec(text(n, "gpus"), text(n, "cpu"), text(n, "ram"), num(n, "ram_bw"), text(n, "vram"), num(n, "gpu_bw"),
                    text(n, "pcie"), text(n, "disk"), text(n, "nodes"), text(n, "link"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read hardware file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode n, String k) {
        return n.hasNonNull(k) ? n.get(k).asText() : null;
    }

    private static Double num(JsonNode n, String k) {
        return n.hasNonNull(k) ? n.get(k).asDouble() : null;
    }
}
