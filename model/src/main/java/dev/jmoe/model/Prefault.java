package dev.jmoe.model;

import dev.jmoe.tensor.Parallel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Maps every page of a model's weights before the first forward pass, as llama.cpp does with {@code MAP_POPULATE}:
 * the first touch of a mapped page costs a fault even when the file sits in the page cache (about 4 s for 8 GB here),
 * and left to the forward passes those faults land in whichever tokens first route to each expert — a tg32 run was
 * a third slower in its first repetition. Skipped when the weights exceed the memory the kernel reports available
 * (populating would evict the file's own pages) or when that figure cannot be read.
 */
final class Prefault {
    private static final long PAGE = 4096;
    private static volatile long sink;

    private Prefault() {}

    /** Touches one byte per page of {@code data}, split over the pool's threads. */
    static void touch(MemorySegment data, Parallel pool) {
        long size = data.byteSize();
        if (size == 0 || size > availableBytes()) return;
        long pages = (size + PAGE - 1) / PAGE;
        int parts = pool.threads() * 8;
        pool.run(parts, 1, (from, to) -> {
            long acc = 0;
            for (int part = from; part < to; part++) {
                for (long p = pages * part / parts, end = pages * (part + 1) / parts; p < end; p++) {
                    acc += data.get(ValueLayout.JAVA_BYTE, p * PAGE);
                }
            }
            sink += acc; // a read the JIT cannot drop; races on the sum do not matter
        });
    }

    /** MemAvailable from /proc/meminfo, or 0 where there is none (nothing is touched then). */
    static long availableBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
