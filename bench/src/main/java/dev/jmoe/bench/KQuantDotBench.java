package dev.jmoe.bench;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.codec.Q2_KCodec;
import dev.jmoe.tensor.codec.Q3_KCodec;
import dev.jmoe.tensor.codec.Q4_KCodec;
import dev.jmoe.tensor.codec.Q5_KCodec;
import dev.jmoe.tensor.codec.Q6_KCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One thread, one K-quant matrix-vector product (rows × cols weights in off-heap memory, as from a mapped GGUF)
 * against Q8_K activations: the codec's dot (Vector API unless {@code -Djmoe.vector=false}) versus the scalar
 * reference {@code dotScalar}. Default shape: DeepSeek-V3's hidden size 7168 × 1024 rows (Q4_K: 4.1 MB of weights,
 * larger than L2 so the read streams). Weight GB/s = bytes / time.
 *
 * <p>Known issue (2026-11-28, 2 loaded cores): Q6_K's vector dot oscillates between ~17 ms and ~350 ms per op across
 * JMH iterations (recompilation cycles, not yet diagnosed); a plain timing loop gives 4.5 ms. Q4_K is stable.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KQuantDotBench {
    @Param({"Q4_K", "Q6_K", "Q2_K", "Q3_K", "Q5_K"})
    public String type;

    @Param({"7168"})
    public int cols;

    @Param({"1024"})
    public int rows;

    private Codec codec;
    private GgmlType t;
    private MemorySegment w;
    private long rowBytes;
    private final Activations x = new Activations();
    private float[] y;

    @Setup(Level.Trial)
    public void setup() {
        t = GgmlType.valueOf(type);
        codec = Codecs.of(t);
        rowBytes = t.bytesFor(cols);
        w = Arena.ofAuto().allocate(rowBytes * rows, 64);
        Random rnd = new Random(42);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) row[c] = (float) rnd.nextGaussian();
            codec.quantize(row, 0, w, r * rowBytes, cols);
        }
        float[] xf = new float[cols];
        for (int c = 0; c < cols; c++) xf[c] = (float) rnd.nextGaussian();
        x.prepare(GgmlType.Q8_K, xf, 0, cols, 1);
        y = new float[rows];
    }

    @Benchmark
    public float[] codecDot() {
        for (int r = 0; r < rows; r++) y[r] = codec.dot(w, r * rowBytes, x, 0, cols);
        return y;
    }

    @Benchmark
    public float[] scalarDot() {
        for (int r = 0; r < rows; r++) y[r] = scalar(w, r * rowBytes);
        return y;
    }

    private float scalar(MemorySegment m, long off) {
        return switch (t) {
            case Q2_K -> Q2_KCodec.dotScalar(m, off, x, 0, cols);
            case Q3_K -> Q3_KCodec.dotScalar(m, off, x, 0, cols);
            case Q4_K -> Q4_KCodec.dotScalar(m, off, x, 0, cols);
            case Q5_K -> Q5_KCodec.dotScalar(m, off, x, 0, cols);
            default -> Q6_KCodec.dotScalar(m, off, x, 0, cols);
        };
    }
}
