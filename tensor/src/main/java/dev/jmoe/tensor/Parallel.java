package dev.jmoe.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform threads for the kernels. {@link #run} splits {@code [0, n)} into one contiguous range per
 * thread (the caller takes the first) and returns when all are done. No allocation per call; workers spin briefly,
 * then park, between calls. One caller at a time.
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
    private volatile int generation;
    private volatile boolean closed;
    private volatile Range task;
    private volatile int taskN;
    private volatile Thread caller;
    private volatile Throwable failure;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("jmoe-kernel-" + id).start(() -> work(id));
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

    /** Runs {@code body} over {@code [0, n)} split into {@link #threads()} contiguous ranges. */
    public void run(int n, Range body) {
        if (threads == 1 || n < 2) {
            body.run(0, n);
            return;
        }
        task = body;
        taskN = n;
        failure = null;
        caller = Thread.currentThread();
        pending.set(workers.length);
        generation++;
        for (Thread w : workers) LockSupport.unpark(w);
        try {
            body.run(0, split(n, 1));
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

    private int split(int n, int part) {
        return (int) ((long) n * part / threads);
    }

    private void work(int id) {
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
                int n = taskN;
                task.run(split(n, id), split(n, id + 1));
            } catch (Throwable t) {
                failure = t;
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
