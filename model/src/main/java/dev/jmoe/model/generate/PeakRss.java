package dev.jmoe.model.generate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident set size, from {@code /proc/self/status} (Linux); null elsewhere. */
public final class PeakRss {

    private static final Path STATUS = Path.of("/proc/self/status");

    private PeakRss() {}

    public static Long bytes() {
        if (!Files.isReadable(STATUS)) return null;
        try {
            return parse(Files.readString(STATUS));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The {@code VmHWM:  N kB} line of a status file, in bytes; null when absent. */
    static Long parse(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                String[] f = line.substring(6).trim().split("\\s+");
                long v = Long.parseLong(f[0]);
                return f.length > 1 && f[1].equalsIgnoreCase("kB") ? v * 1024 : v;
            }
        }
        return null;
    }
}
