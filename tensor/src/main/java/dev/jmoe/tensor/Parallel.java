package dev.jmoe.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform threads for the kernels. {@link #run} hands {@code [0, n)} out in chunks from a shared
 * counter to the workers and the caller (which participates), and returns when all chunks are done and every worker
 * has checked in. Chunks balance the work when a core is busy with something else. No allocation per call; workers
 * spin briefly, then park, between calls. One caller at a time.
 */
public final class Parallel implements AutoCloseable {
    /** Work on the index range {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static volatile Parallel common;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger nextChunk = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;
    private volatile Range task;
    private volatile int taskN, taskChunk;
    private volatile Thread caller;
    private volatile Throwable failure;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("jmoe-kernel-" + id).start(this::work);
        }
    }

    /** A shared pool sized to the available processors (or {@code -Djmoe.threads=N}). */
    public static Parallel common() {
        Parallel p = common;
        if (p == null) {
            synchronized (Parallel.class) {
                if (common == null) common = new Parallel(Integer.getInteger("jmoe.threads", Runtime.getRuntime().availableProcessors()));
                p = common;
            }
        }
        return p;
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body} over {@code [0, n)} in about four chunks per thread. */
    public void run(int n, Range body) {
        run(n, Math.max(1, (n + threads * 4 - 1) / (threads * 4)), body);
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of {@code chunk} indices (the last may be shorter); a one-thread
     * pool, or n ≤ chunk, runs the whole range in one call on the caller.
     */
    public void run(int n, int chunk, Range body) {
        if (chunk < 1) throw new IllegalArgumentException("chunk must be >= 1");
        if (threads == 1 || n <= chunk) {
            if (n > 0) body.run(0, n);
            return;
        }
        task = body;
        taskN = n;
        taskChunk = chunk;
        failure = null;
        caller = Thread.currentThread();
        nextChunk.set(0);
        pending.set(workers.length);
        generation++;
        for (Thread w : workers) LockSupport.unpark(w);
        try {
            chunks(body, n, chunk);
        } finally {
            int spins = 0;
            while (pending.get() > 0) {
                if (++spins > 20_000) LockSupport.parkNanos(this, 50_000);
                else Thread.onSpinWait();
            }
            task = null;
        }
        Throwable f = failure;
        if (f instanceof RuntimeException r) throw r;
        if (f instanceof Error e) throw e;
    }

    private void chunks(Range body, int n, int chunk) {
        for (int c; (long) (c = nextChunk.getAndIncrement()) * chunk < n; ) {
            int from = c * chunk;
            body.run(from, Math.min(n, from + chunk));
        }
    }

    private void work() {
        int seen = 0;
        while (!closed) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins > 20_000) LockSupport.park(this);
                else Thread.onSpinWait();
            }
            if (closed) return;
            seen = generation;
            try {
                chunks(task, taskN, taskChunk);
            } catch (Throwable t) {
                failure = t;
                nextChunk.set(Integer.MAX_VALUE / 2); // stop handing out chunks
            } finally {
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
