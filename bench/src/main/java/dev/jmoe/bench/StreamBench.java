package dev.jmoe.bench;

import dev.jmoe.tensor.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 * The streaming-read bandwidth baseline: the sum of the longs of a 1 GB off-heap segment, split over the same
 * {@link Parallel} pool as the kernels (1 and 2 threads). {@code bytes} reports bytes per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class StreamBench {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

    @Param({"1", "2"})
    public int threads;

    @Param({"1073741824"})
    public long sizeBytes;

    private Arena arena;
    private MemorySegment seg;
    private Parallel pool;
    private final long[] partial = new long[4096];
    private final Parallel.Range body = this::sum;
    private static final long CHUNK = 1 << 20;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        seg = arena.allocate(sizeBytes, 64);
        for (long i = 0; i < sizeBytes; i += 8) seg.set(ValueLayout.JAVA_LONG, i, i);
        pool = new Parallel(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    private void sum(int from, int to) {
        for (int c = from; c < to; c++) {
            LongVector acc = LongVector.zero(L);
            for (long o = c * CHUNK, end = o + CHUNK; o < end; o += L.vectorByteSize()) {
                acc = acc.add(LongVector.fromMemorySegment(L, seg, o, ByteOrder.LITTLE_ENDIAN));
            }
            partial[c] = acc.reduceLanes(VectorOperators.ADD);
        }
    }

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {
        public long bytes;
    }

    @Benchmark
    public long streamSum(Bytes b) {
        int chunks = (int) (sizeBytes / CHUNK);
        pool.run(chunks, 16, body);
        long s = 0;
        for (int c = 0; c < chunks; c++) s += partial[c];
        b.bytes += sizeBytes;
        return s;
    }
}
