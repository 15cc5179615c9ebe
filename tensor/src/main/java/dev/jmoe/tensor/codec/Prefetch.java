package dev.jmoe.tensor.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keeps the packed kernels' reads in address order, so that the hardware prefetchers stream the weights from DRAM.
 *
 * <p>Why: a packed K-quant super-block starts with its scales (1152–1280 bytes: d, dmin, the sub-block scales) and then
 * holds its quants. The kernels used to read the quants first and each sub-block's scales after them, up to 20 lines
 * behind the stream, and the Q4_K kernel read 8 GB/s a thread from DRAM against 19 over data in L2: the prefetchers
 * follow a stream forward, and lines behind it either were not fetched ahead (a trip to DRAM each) or broke the stream
 * they had found — which one, this VM does not let us see. Read first, a line a load ({@link #touch}), the scales
 * continue the stream from the super-block before, and the kernels run from DRAM at nearly their pace from L2
 * ({@code dev/kernel-ab.sh}, 256 MB, 2 threads: Q4_K 22.6 → 32.0 GB/s, Q6_K 19.1 → 32.1, Q2_K 16.6 → 22.5, Q3_K
 * 16.7 → 23.5; Q5_K, whose fifth bits also sat behind their quants and now come first, 20.1 → 24.5). The legacy
 * kernels load their two lines of f16 scales before their quants too, so that every packed kernel reads in address
 * order (no change measured: their small blocks kept the scales within the stream's reach).
 *
 * <p>Before that was understood, a pass reading each 64-row group once ahead of its kernel stood in for a prefetch
 * instruction, which Java does not have: it brought the K-quants from ~11 to ~20 GB/s on 2 threads, but a thread then
 * read, then computed, never both at once.
 */
final class Prefetch {
    private Prefetch() {}

    /**
     * Where a kernel puts its {@link #touch} sums when they equal a constant nobody expects, so that the loads are not
     * dead code; a store on every call would move this line between the cores.
     */
    static long sink;

    /** One long of each 64-byte line of {@code [off, off + bytes)}, summed: reads the lines in order, at one load each. */
    static long touch(MemorySegment w, long off, int bytes) {
        long t = 0;
        for (int k = 0; k < bytes; k += 64) t += w.get(ValueLayout.JAVA_LONG_UNALIGNED, off + k);
        return t;
    }
}
