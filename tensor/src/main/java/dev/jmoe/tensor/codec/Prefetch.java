package dev.jmoe.tensor.codec;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Brings a range of a weight into the cache ahead of a kernel, by reading it once with next to no work per cache line:
 * Java has no prefetch instruction, and this is the nearest thing.
 *
 * <p>Why: a core keeps only as many cache misses in flight as its out-of-order window holds loads. The packed K-quant
 * kernels (Q2_K … Q6_K) spend 20–40 vector instructions on each 64-byte line, so the window holds ~20 lines and a
 * thread reads about 10 GB/s from DRAM, though the Q4_K kernel runs 23–28 GB/s over data in cache. This loop spends
 * two instructions a line, so its window holds a few hundred misses and the memory streams; the kernel then reads the
 * group from L2. Measured (`dev/kernel-ab.sh`, 2 threads, 256 MB): Q4_K 1.33–1.69×, Q6_K 1.70–2.08×, Q2_K 1.83×. The
 * Q4_0, Q5_0 and Q8_0 kernels already stream at the machine's bandwidth; for them this pass only adds time
 * (0.5–0.7×), and so it does for the float types' row kernels (0.75–0.93×).
 *
 * <p>The lines are read in address order, by adding 64-byte vectors of longs in one chain. The first version ORed
 * vectors of bytes: C2 unrolled that loop 64 times, reassociated the ORs into three-input {@code vpternlogd}s and
 * issued the 64 loads in descending address order, which the hardware prefetchers do not follow. That pass read 12
 * GB/s on one thread against 24 for this one (2 threads: 19 against 31), and the packed K-quant products on 2
 * threads over 256 MB went from 13.8 to 21.5 GB/s (Q4_K), 13.7 → 19.8 (Q6_K), 11.1 → 15.1 (Q2_K), 10.6 → 14.2
 * (Q3_K), 14.2 → 18.4 (Q5_K) ({@code dev/kernel-ab.sh}).
 */
final class Prefetch {
    private Prefetch() {}

    private static final VectorSpecies<Long> L = LongVector.SPECIES_512;

    /** Written so that the loads are not dead code; nobody reads it. */
    @SuppressWarnings("unused")
    private static long sink;

    /** Reads bytes {@code [off, off + bytes)} of {@code w} (a multiple of 64 bytes) once. */
    static void lines(MemorySegment w, long off, long bytes) {
        LongVector t = LongVector.zero(L);
        for (long p = off, end = off + bytes; p < end; p += 64) t = t.add(LongVector.fromMemorySegment(L, w, p, ByteOrder.LITTLE_ENDIAN));
        sink = t.reduceLanes(VectorOperators.ADD);
    }
}
