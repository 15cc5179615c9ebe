package dev.jmoe.model;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.Pages;
import dev.jmoe.tensor.Parallel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps every page of a model's weights before the first forward pass, as llama.cpp does with {@code MAP_POPULATE}:
 * the first touch of a mapped page costs a fault even when the file sits in the page cache (about 4 s for 8 GB here),
 * and left to the forward passes those faults land in whichever tokens first route to each expert — a tg32 run was
 * a third slower in its first repetition. Skipped when the weights exceed the memory the kernel reports available
 * (populating would evict the file's own pages) or when that figure cannot be read.
 */
final class Prefault {
    private Prefault() {}

    /**
     * Touches every page of the file's tensors on the pool's threads, except those {@code packer} copied (their reads
     * go to the copy), when they fit the available memory.
     */
    static void touch(GgufFile file, Packer packer, Parallel pool) {
        List<MemorySegment> data = new ArrayList<>();
        long bytes = 0;
        for (TensorInfo t : file.tensors()) {
            if (packer != null && packer.isPacked(t.name())) continue;
            MemorySegment s = file.data(t);
            data.add(s);
            bytes += s.byteSize();
        }
        if (bytes > 0 && bytes <= availableBytes()) {
            for (MemorySegment s : data) Pages.touch(s, pool);
        }
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
