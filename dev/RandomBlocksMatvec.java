import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/**
 * Matvec GB/s (weight bytes ÷ time) over random blocks of each type, for the types `calibrate` cannot make by
 * quantizing (the IQ types): random bytes, with the leading fp16 scale of each block (all but IQ1_M start with it)
 * set to 0.1 so the sums stay finite.
 * 4096 columns, MB megabytes of weight, REPS matvecs of which the second half are averaged. With TOKENS=N (env), a
 * batch of N tokens a product (MatVec.matmul: the batched kernels), reported as GB/s of weight and GFLOP/s.
 * Usage: ./jmoe java -cp cli/target/jmoe.jar dev/RandomBlocksMatvec.java TYPES MB REPS THREADS  (e.g. IQ2_XXS,IQ1_S 256 6 2)
 */
public class RandomBlocksMatvec {
    public static void main(String[] a) throws Exception {
        int cols = 4096, reps = Integer.parseInt(a[2]), tokens = Integer.parseInt(System.getenv().getOrDefault("TOKENS", "1"));
        for (String name : a[0].split(",")) {
            GgmlType t = GgmlType.valueOf(name);
            Codec c = Codecs.of(t);
            long rowBytes = t.bytesFor(cols), block = t.bytesFor(t.blockSize);
            int rows = (int) ((Long.parseLong(a[1]) << 20) / rowBytes / 64 * 64);
            try (Arena arena = Arena.ofShared(); Parallel pool = new Parallel(Integer.parseInt(a[3]))) {
                MemorySegment w = arena.allocate(rowBytes * rows, 64);
                Random rnd = new Random(1);
                byte[] row = new byte[(int) rowBytes];
                for (int r = 0; r < rows; r++) {
                    rnd.nextBytes(row);
                    for (int b = 0; b < row.length; b += (int) block) { row[b] = 0x66; row[b + 1] = 0x2E; } // fp16 0.1
                    MemorySegment.copy(row, 0, w, ValueLayout.JAVA_BYTE, r * rowBytes, row.length);
                }
                Matrix m = new Matrix("w", t, c, w, cols, rows);
                MatVec mv = new MatVec(pool);
                float[] x = new float[cols * tokens], y = new float[rows * tokens];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                double sum = 0;
                for (int p = 0; p < reps; p++) {
                    long t0 = System.nanoTime();
                    if (tokens == 1) mv.matvec(m, x, y);
                    else mv.matmul(m, x, tokens, y);
                    if (p >= reps / 2) sum += m.byteSize() / ((System.nanoTime() - t0) / 1e9) / 1e9;
                }
                double gbs = sum / (reps - reps / 2);
                if (tokens == 1) System.out.printf("%s %.2f GB/s%n", t, gbs);
                else System.out.printf("%s x%d tokens %.2f GB/s of weight, %.1f GFLOP/s%n", t, tokens, gbs, gbs * 2.0 * cols * tokens / rowBytes);
            }
        }
        System.exit(0);
    }
}
