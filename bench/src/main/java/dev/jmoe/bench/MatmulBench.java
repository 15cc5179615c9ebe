package dev.jmoe.bench;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** A batch of 32 tokens: one matmul against 32 matvecs, on a 64 MB weight (beyond cache); ops/s = batches/s. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class MatmulBench {
    static final int TOKENS = 32;

    @Param({"Q4_0", "Q8_0", "F16"})
    public String type;

    @Param({"2"})
    public int threads;

    @Param({"67108864"})
    public long weightBytes;

    private Arena arena;
    private Parallel pool;
    private MatVec mv;
    private Matrix w;
    private float[] x, y;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        w = Weights.random(arena, GgmlType.byName(type).orElseThrow(), weightBytes);
        pool = new Parallel(threads);
        mv = new MatVec(pool);
        x = new float[TOKENS * w.cols()];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37);
        y = new float[TOKENS * w.rows()];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float matmul32() {
        mv.matmul(w, x, TOKENS, y);
        return y[0];
    }

    @Benchmark
    public float matvec32() {
        for (int t = 0; t < TOKENS; t++) mv.matvec(w, x, t * w.cols(), y, t * w.rows());
        return y[0];
    }
}
