package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.codec.F16Codec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Repack#markFinite}: an F16 weight of long rows gets {@link F16Codec#FINITE} only when none of its values is
 * inf or NaN, wherever one sits (first value, inside a vector, the last value of the last row, a scan chunk's edge),
 * for any thread count; short rows and other types are left alone.
 */
class MarkFiniteTest {
    static Matrix f16(int cols, int rows, long seed) {
        Random rnd = new Random(seed);
        MemorySegment w = MemorySegment.ofArray(new byte[2 * cols * rows]);
        for (int i = 0; i < cols * rows; i++) w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, Half.fromFloat((float) rnd.nextGaussian() * 1000));
        w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L, (short) 0x7bff); // ±max stays finite
        w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 4L, (short) 0xfbff);
        return new Matrix("w", GgmlType.F16, Codecs.of(GgmlType.F16), w, cols, rows);
    }

    @ParameterizedTest
    @CsvSource({
        "4096,9,1,-1,0", "4096,9,2,-1,0", "4104,7,2,-1,0",
        "4096,9,1,0,31744", "4096,9,2,17,64512", "4096,9,2,36863,32256", "4104,7,2,28727,65535", "4096,9,2,20480,31745"
    })
    void marksOnlyWeightsWithoutInfOrNan(int cols, int rows, int threads, int at, int bits) {
        assumeTrue(Simd.FLOAT_KERNELS, "the four-row kernel runs only with the Vector API");
        Matrix m = f16(cols, rows, 5L * at + threads);
        if (at >= 0) m.data().set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * at, (short) bits);
        try (Parallel pool = new Parallel(threads)) {
            Matrix marked = Repack.markFinite(m, pool);
            assertThat(marked.codec() == F16Codec.FINITE).as("value %d = %04x", at, bits).isEqualTo(at < 0);
            assertThat(marked.data()).isSameAs(m.data());
        }
    }

    @ParameterizedTest
    @CsvSource({"F16,4064", "BF16,4096", "F32,4096"})
    void leavesShortRowsAndOtherTypesAlone(GgmlType type, int cols) {
        MemorySegment w = MemorySegment.ofArray(new byte[(int) type.bytesFor(cols) * 4]);
        Matrix m = new Matrix("w", type, Codecs.of(type), w, cols, 4);
        try (Parallel pool = new Parallel(1)) {
            assertThat(Repack.markFinite(m, pool)).isSameAs(m);
        }
    }
}
