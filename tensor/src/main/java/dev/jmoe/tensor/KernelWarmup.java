package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs the matrix kernels of a model's weight types on small zero matrices on a thread of its own while the model
 * loads, so that the JIT has compiled them when the first prompt comes.
 *
 * <p>Why: until C2 compiles a Vector API kernel, each vector operation runs as a Java object (the interpreter and C1
 * do not intrinsify them), hundreds of times slower; a first prompt paid that: 4.2–5.1 s to the first token of 8
 * prompt tokens on Moonlight Q4_K_M, 0.9–1.0 s with this warmup (README, thirteenth run). Where the load waits on the
 * disk this thread's time is free; where it keeps every core busy (this 2-core VM, file cached) the load grows, by
 * less than the first prompt gains. It stops when the load ends ({@link #close}), done or not; what it compiled stays
 * compiled. Each weight type runs as the loader will run it (packed where {@link MatVec#packs}), one token and a small
 * batch, on a one-thread pool, 64 rows × 256 columns.
 */
public final class KernelWarmup implements AutoCloseable {
    private static final int ROWS = 64, COLS = 256, TOKENS = 4;
    /** Each kernel runs this many calls at most (C2 compiles the kernels after a few thousand loop iterations). */
    private static final int CALLS = 3000;

    private final Thread thread;
    private volatile boolean stop;
    private volatile int done; // calls made per kernel (tests)

    private KernelWarmup(Set<GgmlType> types, DotOrder order) {
        thread = Thread.ofPlatform().daemon().name("jmoe-kernel-warmup").unstarted(() -> run(types, order));
    }

    /** Starts warming the kernels of the weight types {@code types} (those without a codec are skipped) in {@code order}. */
    public static KernelWarmup start(Collection<GgmlType> types, DotOrder order) {
        Set<GgmlType> set = new TreeSet<>(types);
        set.removeIf(t -> Codecs.find(t).isEmpty() || COLS % t.blockSize != 0);
        KernelWarmup w = new KernelWarmup(set, order);
        w.thread.setPriority(Thread.MIN_PRIORITY);
        w.thread.start();
        return w;
    }

    private void run(Set<GgmlType> types, DotOrder order) {
        try (Parallel one = new Parallel(1); Arena arena = Arena.ofShared()) {
            List<Matrix> weights = new ArrayList<>();
            for (GgmlType t : types) {
                MemorySegment data = arena.allocate(t.bytesFor(COLS) * ROWS, 64); // zeros: the kernels' paths do not depend on the values
                Matrix m = new Matrix("warmup." + t, t, Codecs.of(t), data, COLS, ROWS);
                weights.add(MatVec.packs(t, order) && Repack.packable(m) ? Repack.pack(m, arena, one) : m);
            }
            MatVec mv = new MatVec(one, order);
            float[] x = new float[COLS * TOKENS], y = new float[ROWS * TOKENS];
            for (int i = 0; i < CALLS && !stop && !weights.isEmpty(); i++) {
                for (int k = 0; k < weights.size() && !stop; k++) {
                    try {
                        mv.matvec(weights.get(k), x, y);
                        mv.matmul(weights.get(k), x, TOKENS, y);
                    } catch (RuntimeException e) {
                        weights.remove(k--); // a type that cannot be a weight (Q8_K): the others go on
                    }
                }
                done = i + 1;
            }
        } catch (RuntimeException | LinkageError e) {
            // a warmup that fails costs only speed: the model's own first calls compile the kernels instead
        }
    }

    /** Waits until the warmup has made all its calls (tests). */
    void awaitDone() throws InterruptedException {
        thread.join();
    }

    /** Calls made per kernel so far. */
    int calls() {
        return done;
    }

    /** Stops the warmup and waits for its thread (at most one kernel's two calls). */
    @Override
    public void close() {
        stop = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
