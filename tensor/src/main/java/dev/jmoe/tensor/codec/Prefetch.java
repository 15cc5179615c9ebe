package dev.jmoe.tensor.codec;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
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
 */
final class Prefetch {
    private Prefetch() {}

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;

    /** Written so that the loads are not dead code; nobody reads it. */
    @SuppressWarnings("unused")
    private static int sink;

    /** Reads bytes {@code [off, off + bytes)} of {@code w} (a multiple of 64 bytes) once. */
    static void lines(MemorySegment w, long off, long bytes) {
        ByteVector t = ByteVector.zero(B);
        for (long p = off, end = off + bytes; p < end; p += 64) t = t.or(ByteVector.fromMemorySegment(B, w, p, ByteOrder.LITTLE_ENDIAN));
        sink = t.reduceLanes(VectorOperators.XOR);
    }
}
