package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random K-quant blocks (random bytes with the fp16 scales set to normal, zero, ±65504, subnormal or arbitrary finite
 * values; quant bytes random, all 0x00, all 0xFF or mixed): the fast dequantization equals the scalar reference, the
 * Vector API dot (this JVM's shape; KQuantScalarModeTest forks a 128-bit one) equals the scalar dot bit for bit, and the dot equals the sum of the
 * dequantized weights times the dequantized Q8_K activations.
 */
class KQuantPropertiesTest {
    static final GgmlType[] TYPES = {GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K};
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LEF = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Byte offsets of the fp16 scale fields in each type's block (Q8_K: its f32 d at 0). */
    private static int[] scaleFields(GgmlType t) {
        return switch (t) {
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> new int[] {0};
        };
    }

    static MemorySegment randomBlocks(GgmlType t, int nBlocks, Random rnd, int quantKind, int scaleKind) {
        byte[] b = new byte[nBlocks * t.typeSize];
        for (int i = 0; i < b.length; i++) {
            b[i] = switch (quantKind) {
                case 1 -> 0;
                case 2 -> (byte) 0xFF;
                case 3 -> rnd.nextBoolean() ? 0 : (byte) 0xFF;
                default -> (byte) rnd.nextInt();
            };
        }
        MemorySegment s = MemorySegment.ofArray(b);
        for (int blk = 0; blk < nBlocks; blk++) {
            for (int f : scaleFields(t)) {
                long at = (long) blk * t.typeSize + f;
                float v = scale(rnd, scaleKind);
                if (t == GgmlType.Q8_K) s.set(LEF, at, v);
                else s.set(LE16, at, Half.fromFloat(v));
            }
        }
        return s;
    }

    private static float scale(Random rnd, int kind) {
        return switch (kind) {
            case 1 -> 0f;
            case 2 -> rnd.nextBoolean() ? 65504f : -65504f;
            case 3 -> Half.toFloat((short) (1 + rnd.nextInt(0x3FF) | (rnd.nextBoolean() ? 0x8000 : 0))); // fp16 subnormals
            case 4 -> {
                short h;
                do h = (short) rnd.nextInt(); while ((h & 0x7C00) == 0x7C00); // any finite fp16
                yield Half.toFloat(h);
            }
            default -> (float) (rnd.nextGaussian() * 0.01);
        };
    }

    static float[] randomActivations(int n, Random rnd, int kind) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        if (kind == 1) java.util.Arrays.fill(x, 0, Math.min(n, 256), 0f); // an all-zero block
        if (kind == 2) for (int i = 0; i < n; i += 97) x[i] = (i & 1) == 0 ? 1e4f : -1e4f; // outliers set ±127 quants
        return x;
    }

    @Property(tries = 200)
    void fastDequantizeEqualsReference(@ForAll @IntRange(max = 5) int type, @ForAll long seed,
                                       @ForAll @IntRange(max = 3) int quantKind, @ForAll @IntRange(max = 4) int scaleKind,
                                       @ForAll @IntRange(min = 1, max = 3) int nBlocks) {
        GgmlType t = TYPES[type];
        Codec c = Codecs.of(t);
        MemorySegment w = randomBlocks(t, nBlocks, new Random(seed), quantKind, scaleKind);
        int n = nBlocks * 256;
        float[] ref = new float[n + 3], fast = new float[n + 3];
        c.dequantizeReference(w, 0, ref, 3, n);
        c.dequantize(w, 0, fast, 3, n);
        assertThat(fast).isEqualTo(ref);
    }

    @Property(tries = 200)
    void vectorDotEqualsScalarDot(@ForAll @IntRange(max = 5) int type, @ForAll long seed,
                                              @ForAll @IntRange(max = 3) int quantKind, @ForAll @IntRange(max = 4) int scaleKind,
                                              @ForAll @IntRange(max = 2) int actKind, @ForAll @IntRange(min = 1, max = 3) int nBlocks) {
        GgmlType t = TYPES[type];
        Random rnd = new Random(seed);
        MemorySegment w = randomBlocks(t, nBlocks, rnd, quantKind, scaleKind);
        int n = nBlocks * 256;
        // activations for two vectors; dot the second (xStart = n) to exercise the offsets
        float[] x = randomActivations(2 * n, rnd, actKind);
        Activations a = new Activations().prepare(GgmlType.Q8_K, x, 0, n, 2);
        float scalar = scalarDot(t, w, a, n, n);
        assertThat(vectorDot(t, w, a, n, n)).isEqualTo(scalar);
        assertThat(Codecs.of(t).dot(w, 0, a, n, n)).isEqualTo(scalar);
    }

    @Property(tries = 150)
    void dotEqualsSumOfDequantizedProducts(@ForAll @IntRange(max = 5) int type, @ForAll long seed,
                                           @ForAll @IntRange(max = 3) int quantKind, @ForAll @IntRange(max = 2) int actKind,
                                           @ForAll @IntRange(min = 1, max = 3) int nBlocks) {
        GgmlType t = TYPES[type];
        Random rnd = new Random(seed);
        MemorySegment w = randomBlocks(t, nBlocks, rnd, quantKind, 0);
        int n = nBlocks * 256;
        float[] x = randomActivations(n, rnd, actKind);
        Activations a = new Activations().prepare(GgmlType.Q8_K, x, 0, n, 1);
        float[] wf = new float[n];
        Codecs.of(t).dequantizeReference(w, 0, wf, 0, n);
        double exact = 0, mag = 0;
        for (int i = 0; i < n; i++) {
            double p = (double) wf[i] * (a.d[i / 256] * a.q[i]);
            exact += p;
            mag += Math.abs(p);
        }
        float got = Codecs.of(t).dot(w, 0, a, 0, n);
        // float rounding only: dequantized values and block partial sums each carry a few ulps
        assertThat((double) got).isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-30));
    }

    static float scalarDot(GgmlType t, MemorySegment w, Activations a, int xStart, int n) {
        return switch (t) {
            case Q2_K -> Q2_KCodec.dotScalar(w, 0, a, xStart, n);
            case Q3_K -> Q3_KCodec.dotScalar(w, 0, a, xStart, n);
            case Q4_K -> Q4_KCodec.dotScalar(w, 0, a, xStart, n);
            case Q5_K -> Q5_KCodec.dotScalar(w, 0, a, xStart, n);
            case Q6_K -> Q6_KCodec.dotScalar(w, 0, a, xStart, n);
            default -> Q8_KCodec.dotScalar(w, 0, a, xStart, n);
        };
    }

    static float vectorDot(GgmlType t, MemorySegment w, Activations a, int xStart, int n) {
        return switch (t) {
            case Q2_K -> KVector.dotQ2K(w, 0, a, xStart, n);
            case Q3_K -> KVector.dotQ3K(w, 0, a, xStart, n);
            case Q4_K -> KVector.dotQ4K(w, 0, a, xStart, n);
            case Q5_K -> KVector.dotQ5K(w, 0, a, xStart, n);
            case Q6_K -> KVector.dotQ6K(w, 0, a, xStart, n);
            default -> KVector.dotQ8K(w, 0, a, xStart, n);
        };
    }
}
