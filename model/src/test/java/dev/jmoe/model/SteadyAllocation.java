package dev.jmoe.model;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;

/**
 * Bytes a step allocates on the calling thread once the JIT has compiled it. Until C2 has compiled the vector kernels
 * (some seconds into a JVM when no earlier test ran them), their interpreted and C1 forms allocate a box for every
 * vector; so the steps are repeated, in rounds of 50 from a rewound cache, until a round allocates (almost) nothing
 * or 80 rounds have passed, and then 100 steps are measured. A buffer allocated per step never stops allocating.
 */
final class SteadyAllocation {
    private SteadyAllocation() {}

    static long perStep(Runnable step, Runnable rewind) {
        for (int round = 0; round < 80 && measure(step, rewind, 50) >= 256; round++) {
            // warming up
        }
        return measure(step, rewind, 100);
    }

    private static long measure(Runnable step, Runnable rewind, int steps) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        rewind.run();
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().threadId());
        for (int i = 0; i < steps; i++) step.run();
        return (mx.getThreadAllocatedBytes(Thread.currentThread().threadId()) - before) / steps;
    }
}
