package dev.jmoe.model;

import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
import dev.jmoe.tensor.Repack;
import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.Set;

/**
 * The loader's side of {@link Repack}: marks F16 weights free of inf and NaN ({@link Repack#markFinite}), packs each weight that has a packed layout while the copies fit in the memory
 * the kernel reports available (less a margin), remembers which tensors it took so that {@link Prefault} leaves their
 * file pages alone, and owns the copies' memory (closed with the model).
 */
final class Packer implements AutoCloseable {
    /** Memory left to everything else: the KV cache and scratch are allocated after the weights. */
    private static final long MARGIN = 1L << 30;

    private final Arena arena = Arena.ofShared();
    private final Parallel pool;
    private final Set<String> packed = new HashSet<>();
    private long budget;

    Packer(Parallel pool, long availableBytes) {
        this.pool = pool;
        this.budget = availableBytes - MARGIN;
    }

    /**
     * {@code m} marked free of inf/NaN where it is ({@link Repack#markFinite}) and, if {@code pack}, with a packed copy
     * (unless it has no packed layout or no memory is left for one).
     */
    Matrix apply(Matrix m, boolean pack) {
        m = Repack.markFinite(m, pool);
        if (!pack || !Repack.packable(m) || m.byteSize() > budget) return m;
        budget -= m.byteSize();
        packed.add(m.name());
        return Repack.pack(m, arena, pool);
    }

    boolean isPacked(String tensor) {
        return packed.contains(tensor);
    }

    @Override
    public void close() {
        arena.close();
    }
}
