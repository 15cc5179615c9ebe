package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.codec.Packed;
import dev.jmoe.tensor.codec.RandomBlocks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Runs every packed kernel and every IQ kernel (one token, a batch's 4 × 4 tiles, both dot orders) often enough for the
 * JIT to compile it at each tier (main of a JVM forked by {@link KernelsCompileTest}, which reads that JVM's
 * {@code -XX:+PrintCompilation}). Weights: random blocks with finite scales.
 */
public final class KernelWorkout {
    private KernelWorkout() {}

    static final List<GgmlType> IQ_TYPES = List.of(GgmlType.IQ1_S, GgmlType.IQ1_M, GgmlType.IQ2_XXS, GgmlType.IQ2_XS,
            GgmlType.IQ2_S, GgmlType.IQ3_XXS, GgmlType.IQ3_S, GgmlType.IQ4_XS, GgmlType.IQ4_NL);

    public static void main(String[] args) {
        int cols = 512, calls = Integer.parseInt(args[0]), tokens = 5;
        float[] x = new float[cols * tokens], y = new float[RepackTest.ROWS * tokens];
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        try (Parallel pool = new Parallel(1); Arena arena = Arena.ofShared()) {
            MatVec mv = new MatVec(pool);
            for (GgmlType t : GgmlType.values()) {
                if (!Packed.hasLayout(t)) continue;
                Matrix p = Repack.pack(RepackTest.randomPackable(t, 1, RepackTest.ROWS, cols), arena, pool);
                for (int i = 0; i < calls; i++) {
                    mv.matvec(p, x, y);
                    if (i % 4 == 0) mv.matmul(p, x, tokens, y); // the two-token kernels (group2)
                }
                System.out.println("worked " + t);
            }
            MatVec ggml = new MatVec(pool, DotOrder.GGML);
            for (GgmlType t : IQ_TYPES) {
                int rows = RepackTest.ROWS;
                Matrix m = new Matrix("workout", t, Codecs.of(t), MemorySegment.ofArray(RandomBlocks.of(t, rows * cols / t.blockSize, rnd)), cols, rows);
                for (int i = 0; i < calls; i++) {
                    mv.matvec(m, x, y);
                    if (i % 4 == 0) mv.matmul(m, x, tokens, y);
                    if (i % 4 == 2) ggml.matvec(m, x, y);
                }
                System.out.println("worked " + t);
            }
        }
    }
}
