package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.codec.PackedQ40;
import dev.jmoe.tensor.codec.PackedQ4K;
import dev.jmoe.tensor.codec.PackedQ50;
import dev.jmoe.tensor.codec.PackedQ6K;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Copies weights into a kernel's own layout at load ({@link PackedQ40}, {@link PackedQ4K}, {@link PackedQ50}, {@link PackedQ6K}), as llama.cpp's CPU backend
 * repacks Q4_0 and Q4_K for its x86 kernels (and Q5_0 and Q6_K, the rest of a Q4_K_M file):
 * the copy lives in anonymous memory, and the file mapping's pages it was read from are given back, so the process
 * holds the weights once.
 */
public final class Repack {
    private Repack() {}

    /** Whether {@code m} has a packed layout on this machine (Q4_0, Q4_K, Q5_0, Q6_K; whole groups of rows; the 512-bit kernels). */
    public static boolean packable(Matrix m) {
        if (!PackedQ40.ENABLED || m.packed() != null) return false;
        return switch (m.type()) {
            case Q4_0 -> PackedQ40.packable(m.rows(), m.cols());
            case Q4_K -> PackedQ4K.packable(m.rows(), m.cols());
            case Q5_0 -> PackedQ50.packable(m.rows(), m.cols());
            case Q6_K -> PackedQ6K.packable(m.rows(), m.cols());
            default -> false;
        };
    }

    /**
     * {@code m} with a packed copy allocated in {@code arena} and filled on the pool's threads; the pages of
     * {@code m.data()} are then released ({@link Pages#release}), to be read back from the file if used again.
     */
    public static Matrix pack(Matrix m, Arena arena, Parallel pool) {
        if (!packable(m)) throw new IllegalArgumentException(m.name() + " (" + m.type() + ", " + m.cols() + "x" + m.rows() + ") has no packed layout here");
        boolean q4k = m.type() == GgmlType.Q4_K;
        MemorySegment dst = Pages.allocate(q4k ? PackedQ4K.packedBytes(m.rows(), m.cols()) : m.byteSize(), arena);
        int groups = m.rows() / PackedQ40.ROWS;
        pool.run(groups, Math.max(1, groups / (4 * pool.threads())), (g0, g1) -> {
            switch (m.type()) {
                case Q4_K -> PackedQ4K.pack(m.data(), m.cols(), g0, g1, dst);
                case Q5_0 -> PackedQ50.pack(m.data(), m.cols(), g0, g1, dst);
                case Q6_K -> PackedQ6K.pack(m.data(), m.cols(), g0, g1, dst);
                default -> PackedQ40.pack(m.data(), m.cols(), g0, g1, dst);
            }
        });
        Pages.release(m.data());
        return m.withPacked(dst);
    }
}
