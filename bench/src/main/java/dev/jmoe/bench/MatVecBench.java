package dev.jmoe.bench;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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

/**
 * matvec throughput per weight type on a 256 MB weight (beyond any cache), 1 and 2 threads. The {@code bytes}
 * counter reports weight bytes per second (divide by 1e9 for GB/s). Other types registered in Codecs (K-quants, IQ)
 * can be measured with {@code -p type=Q4_K}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class MatVecBench {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    @Param({"268435456"})
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
        x = new float[w.cols()];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        y = new float[w.rows()];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** Weight bytes read (reported as a rate). */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {
        public long bytes;
    }

    @Benchmark
    public float matvec(Bytes b) {
        mv.matvec(w, x, y);
        b.bytes += w.byteSize();
        return y[0];
    }
}
