package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.codec.F16Codec;
import dev.jmoe.tensor.codec.LegacyVector;
import dev.jmoe.tensor.codec.Packed;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Copies weights into a kernel's own layout at load ({@link Packed}: Q2_K, Q4_0, Q4_K, Q5_0, Q6_K, Q8_0), as llama.cpp's
 * CPU backend repacks Q4_0 and Q4_K for its x86 kernels (Q5_0 and Q6_K are the rest of a Q4_K_M file, Q2_K the bulk of
 * the 2-bit DeepSeek files):
 * the copy lives in anonymous memory, and the file mapping's pages it was read from are given back, so the process
 * holds the weights once.
 */
public final class Repack {
    private Repack() {}

    /** Whether {@code m} has a packed layout on this machine (Q2_K, Q4_0, Q4_K, Q5_0, Q6_K, Q8_0; whole groups of rows; the 512-bit kernels). */
    public static boolean packable(Matrix m) {
        return Packed.ENABLED && m.packed() == null && Packed.packable(m.type(), m.rows(), m.cols());
    }

    /**
     * {@code m} with a packed copy allocated in {@code arena} and filled on the pool's threads; the pages of
     * {@code m.data()} are then released ({@link Pages#release}), to be read back from the file if used again.
     */
    public static Matrix pack(Matrix m, Arena arena, Parallel pool) {
        if (!packable(m)) throw new IllegalArgumentException(m.name() + " (" + m.type() + ", " + m.cols() + "x" + m.rows() + ") has no packed layout here");
        MemorySegment dst = Pages.allocate(Packed.bytes(m.type(), m.rows(), m.cols()), arena);
        int groups = m.rows() / Packed.ROWS;
        pool.run(groups, Math.max(1, groups / (4 * pool.threads())), (g0, g1) -> Packed.pack(m.type(), m.data(), m.cols(), g0, g1, dst));
        Pages.release(m.data());
        return m.withPacked(dst);
    }

    /**
     * {@code m} with {@link F16Codec#FINITE} where it is an F16 weight with rows long enough for the four-row kernel
     * ({@link LegacyVector#ROWS4_COLS}) and a scan on the pool's threads finds no inf or NaN in it; otherwise {@code m}.
     * The scan reads the weight once (at memory speed, less than its first product costs); a weight with an inf or
     * NaN keeps the exact conversion, so its products stay what ggml computes.
     */
    public static Matrix markFinite(Matrix m, Parallel pool) {
        if (m.type() != GgmlType.F16 || m.codec() == F16Codec.FINITE || !Simd.FLOAT_KERNELS || m.cols() < LegacyVector.ROWS4_COLS) return m;
        AtomicBoolean special = new AtomicBoolean();
        long rowBytes = m.rowBytes();
        pool.run(m.rows(), Math.max(1, m.rows() / (4 * pool.threads())), (r0, r1) -> {
            if (!special.get() && LegacyVector.hasInfOrNanF16(m.data(), r0 * rowBytes, (long) (r1 - r0) * m.cols())) special.set(true);
        });
        return special.get() ? m : new Matrix(m.name(), m.type(), F16Codec.FINITE, m.data(), m.cols(), m.rows(), m.packed());
    }
}
