package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The float types' row loops (F32, F16 and BF16 rows of {@link LegacyVector#ROWS4_COLS} columns or more four at a time:
 * {@link LegacyVector#dotF32x4}, {@link LegacyVector#dotF16x4}, {@link LegacyVector#dotBf16x4}) give each row the bits of its one-row {@link Codec#dot},
 * F16 specials included (±0, subnormals, ±max, ±inf, NaN), for row lengths that are and are not whole pairs of
 * vectors, short rows, and rows left over from the fours.
 */
class FloatRowsTest {
    @ParameterizedTest
    @CsvSource({"F16,4096,7", "F16,7168,6", "F16,4100,5", "F16,544,4", "F16,100,9", "BF16,4096,7", "BF16,7168,6", "BF16,4100,5", "BF16,100,6", "F32,4096,7", "F32,7168,6", "F32,4100,5", "F32,100,9"})
    void eachRowHasTheBitsOfItsOneRowDot(GgmlType type, int n, int rows) {
        Random rnd = new Random(31L * n + rows);
        short[] specials = {0, (short) 0x8000, 1, (short) 0x83ff, 0x7bff, (short) 0xfbff, 0x7c00, (short) 0xfc00, 0x7e00};
        int size = type == GgmlType.F32 ? 4 : 2;
        MemorySegment w = MemorySegment.ofArray(new byte[size * n * rows]);
        for (int i = 0; i < n * rows; i++) {
            float v = (float) rnd.nextGaussian();
            if (type == GgmlType.F32) {
                w.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, v);
                continue;
            }
            short bits = type == GgmlType.F16 ? Half.fromFloat(v) : Half.floatToBf16(v);
            if (type == GgmlType.F16 && i % 997 == 0) bits = specials[(i / 997) % specials.length];
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, bits);
        }
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        Codec c = Codecs.of(type);
        Activations a = new Activations().prepare(c.activationType(), x, 0, n, 1);
        float[] y = new float[rows];
        c.dotRows(w, (long) size * n, 0, rows, a, 1, y, 0, rows);
        for (int r = 0; r < rows; r++) {
            float one = c.dot(w, (long) size * n * r, a, 0, n);
            assertThat(Float.floatToRawIntBits(y[r])).as("row %d: %s against %s", r, y[r], one).isEqualTo(Float.floatToRawIntBits(one));
        }
    }

    /**
     * {@link F16Codec#FINITE} (no inf/NaN fix-up in the four-row loop) gives the same bits as the exact codec on rows
     * without inf or NaN (±0, subnormals and ±max included), and would not on a row with an inf: the test can fail.
     */
    @ParameterizedTest
    @CsvSource({"4096,7", "7168,6", "4100,5"})
    void finiteF16CodecHasTheExactBitsOnFiniteRows(int n, int rows) {
        Random rnd = new Random(17L * n + rows);
        short[] specials = {0, (short) 0x8000, 1, (short) 0x83ff, 0x7bff, (short) 0xfbff, 0x0400};
        MemorySegment w = MemorySegment.ofArray(new byte[2 * n * rows]);
        for (int i = 0; i < n * rows; i++) {
            short bits = i % 991 == 0 ? specials[(i / 991) % specials.length] : Half.fromFloat((float) rnd.nextGaussian());
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, bits);
        }
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        Activations a = new Activations().prepare(GgmlType.F32, x, 0, n, 1);
        float[] exact = new float[rows], fast = new float[rows];
        Codecs.of(GgmlType.F16).dotRows(w, 2L * n, 0, rows, a, 1, exact, 0, rows);
        F16Codec.FINITE.dotRows(w, 2L * n, 0, rows, a, 1, fast, 0, rows);
        for (int r = 0; r < rows; r++) {
            assertThat(Float.floatToRawIntBits(fast[r])).as("row %d", r).isEqualTo(Float.floatToRawIntBits(exact[r]));
        }
        if (n % 32 == 0) { // the four-row loop runs: an inf in row 1 shows the fix-up is what it leaves out
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (n + 5), (short) 0x7c00);
            Codecs.of(GgmlType.F16).dotRows(w, 2L * n, 0, rows, a, 1, exact, 0, rows);
            F16Codec.FINITE.dotRows(w, 2L * n, 0, rows, a, 1, fast, 0, rows);
            assertThat(exact[1]).isInfinite();
            assertThat(fast[1]).isFinite();
        }
    }
}
