package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.codec.Packed;
import java.lang.foreign.Arena;

/**
 * Runs every packed kernel often enough for the JIT to compile it at each tier (main of a JVM forked by
 * {@link PackedKernelsCompileTest}, which reads that JVM's {@code -XX:+PrintCompilation}). Weights as in
 * {@link RepackTest}: random blocks with finite scales.
 */
public final class PackedKernelWorkout {
    private PackedKernelWorkout() {}

    public static void main(String[] args) {
        int cols = 512, calls = Integer.parseInt(args[0]);
        float[] x = new float[cols], y = new float[RepackTest.ROWS];
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
        try (Parallel pool = new Parallel(1); Arena arena = Arena.ofShared()) {
            MatVec mv = new MatVec(pool);
            for (GgmlType t : GgmlType.values()) {
                if (!Packed.hasLayout(t)) continue;
                Matrix p = Repack.pack(RepackTest.randomPackable(t, 1, RepackTest.ROWS, cols), arena, pool);
                for (int i = 0; i < calls; i++) mv.matvec(p, x, y);
                System.out.println("worked " + t);
            }
        }
    }
}
