package dev.jmoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Mapped memory's pages touched ahead of use, so that their first-touch faults are not paid inside a timed product. */
public final class Pages {
    private static final long PAGE = 4096;
    private static volatile long sink;

    private Pages() {}

    /** Reads one byte per 4 KB page of {@code data}, split over the pool's threads. */
    public static void touch(MemorySegment data, Parallel pool) {
        long pages = (data.byteSize() + PAGE - 1) / PAGE;
        if (pages == 0) return;
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
}
