package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import java.lang.foreign.MemorySegment;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * On random rows (incl. zero, subnormal and ±65504 scales, zero and ×500 activation blocks): the fast paths
 * against the scalar references, and every dot against Σ dequant(w)·dequant(x) computed in double.
 */
class LegacyPropertiesTest {
    static final int N = 512;

    @Provide
    Arbitrary<GgmlType> types() {
        return Arbitraries.of(LegacyBlocks.TYPES);
    }

    @Provide
    Arbitrary<GgmlType> intTypes() {
        return Arbitraries.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL);
    }

    @Property(tries = 60)
    void fastDequantizeEqualsReference(@ForAll("types") GgmlType t, @ForAll long seed) {
        Codec c = Codecs.of(t);
        MemorySegment w = LegacyBlocks.row(t, N, seed);
        float[] ref = new float[N + 3], fast = new float[N + 3];
        c.dequantizeReference(w, 0, ref, 3, N);
        c.dequantize(w, 0, fast, 3, N);
        assertThat(fast).containsExactly(ref);
    }

    @Property(tries = 40)
    void floatVectorPathsOnEverySpeciesEqualScalar(@ForAll long seed) {
        for (VectorSpecies<Float> s : List.of(FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512)) {
            for (GgmlType t : new GgmlType[] {GgmlType.F16, GgmlType.BF16}) {
                MemorySegment w = LegacyBlocks.row(t, N + 5, seed);
                float[] ref = new float[N + 5], fast = new float[N + 5];
                Codecs.of(t).dequantizeReference(w, 0, ref, 0, N + 5);
                if (t == GgmlType.F16) LegacyVector.dequantF16(s, w, 0, fast, 0, N + 5);
                else LegacyVector.dequantBf16(s, w, 0, fast, 0, N + 5);
                assertThat(fast).as(t + " " + s).containsExactly(ref);
            }
            for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
                int n = N + 7; // a tail the vector loop does not cover
                MemorySegment w = LegacyBlocks.row(t, n, seed, true);
                float[] x = LegacyBlocks.activations(N + 32, seed + 1);
                float[] wf = new float[n];
                Codecs.of(t).dequantizeReference(w, 0, wf, 0, n);
                double exact = 0, mag = 0;
                for (int i = 0; i < n; i++) {
                    exact += (double) wf[i] * x[i];
                    mag += Math.abs((double) wf[i] * x[i]);
                }
                float got = switch (t) {
                    case F32 -> LegacyVector.dotF32(s, w, 0, x, 0, n);
                    case F16 -> LegacyVector.dotF16(s, w, 0, x, 0, n);
                    default -> LegacyVector.dotBf16(s, w, 0, x, 0, n);
                };
                assertThat((double) got).as(t + " " + s).isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-30));
            }
        }
    }

    /**
     * Every fp16 bit pattern converts bit-exactly as Float.float16ToFloat; NaNs stay NaN (whether the quiet bit is set
     * differs between the JIT's vcvtph2ps and the interpreter, so the payload is not compared).
     */
    @Example
    void everyHalfConvertsExactlyOnEverySpecies() {
        MemorySegment all = MemorySegment.ofArray(new short[65536]);
        for (int h = 0; h < 65536; h++) all.set(dev.jmoe.tensor.Layouts.LE_SHORT, 2L * h, (short) h);
        for (VectorSpecies<Float> s : List.of(FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512)) {
            float[] got = new float[65536];
            LegacyVector.dequantF16(s, all, 0, got, 0, 65536);
            for (int h = 0; h < 65536; h++) {
                float want = Float.float16ToFloat((short) h);
                if (Float.isNaN(want)) assertThat(got[h]).as("%s 0x%04x", s, h).isNaN();
                else assertThat(Float.floatToRawIntBits(got[h])).as("%s 0x%04x", s, h).isEqualTo(Float.floatToRawIntBits(want));
            }
        }
    }

    /** Σ_i dequant(w)_i · dequant(x)_i in double, and Σ |terms| (+ the fp16 rounding of the Q8_1 sums) as the tolerance. */
    static double[] exactDot(Codec c, MemorySegment w, Activations a, int n) {
        float[] wf = new float[n];
        c.dequantizeReference(w, 0, wf, 0, n);
        double exact = 0, mag = 0;
        boolean quant = c.activationType() != GgmlType.F32;
        for (int i = 0; i < n; i++) {
            double xi = quant ? a.q[i] * (double) a.d[i / 32] : a.f[i];
            exact += wf[i] * xi;
            mag += Math.abs(wf[i] * xi);
        }
        if (c.activationType() == GgmlType.Q8_1) {
            // Q4_1/Q5_1 read m·Σx as m·s with s = fp16(d·Σq): allow the fp16 rounding of s per block
            int mAt = 2;
            for (int b = 0; b < n / 32; b++) {
                double m = Blocks.f16(w, (long) b * c.type().typeSize + mAt);
                mag += Math.abs(m * a.s[b]) * 0x1p-9 / 1e-5;
            }
        }
        return new double[] {exact, mag};
    }

    @Property(tries = 60)
    void dotEqualsSumOfDequantizedProducts(@ForAll("types") GgmlType t, @ForAll long seed) {
        Codec c = Codecs.of(t);
        MemorySegment w = LegacyBlocks.row(t, N, seed, true);
        Activations a = new Activations().prepare(c.activationType(), LegacyBlocks.activations(N, seed ^ 0x5eed), 0, N, 1);
        double[] e = exactDot(c, w, a, N);
        assertThat((double) c.dot(w, 0, a, 0, N)).isCloseTo(e[0], org.assertj.core.data.Offset.offset(1e-5 * e[1] + 1e-30));
    }

    @Property(tries = 60)
    void vectorIntegerDotsEqualScalarReferences(@ForAll("intTypes") GgmlType t, @ForAll long seed) {
        Codec c = Codecs.of(t);
        MemorySegment w = LegacyBlocks.row(t, N, seed, true);
        Activations a = new Activations().prepare(c.activationType(), LegacyBlocks.activations(N, ~seed), 0, N, 1);
        float ref = switch (t) {
            case Q8_0 -> ((Q8_0Codec) c).dotReference(w, 0, a, 0, N);
            case Q4_0 -> ((Q4_0Codec) c).dotReference(w, 0, a, 0, N);
            case Q4_1 -> ((Q4_1Codec) c).dotReference(w, 0, a, 0, N);
            case Q5_0 -> ((Q5_0Codec) c).dotReference(w, 0, a, 0, N);
            case Q5_1 -> ((Q5_1Codec) c).dotReference(w, 0, a, 0, N);
            default -> ((IQ4_NLCodec) c).dotReference(w, 0, a, 0, N);
        };
        float vec = switch (t) {
            case Q8_0 -> LegacyVector.dotQ8_0(w, 0, a, 0, N);
            case Q4_0 -> LegacyVector.dotQ4_0(w, 0, a, 0, N);
            case Q4_1 -> LegacyVector.dotQ4_1(w, 0, a, 0, N);
            case Q5_0 -> LegacyVector.dotQ5_0(w, 0, a, 0, N);
            case Q5_1 -> LegacyVector.dotQ5_1(w, 0, a, 0, N);
            default -> LegacyVector.dotIq4Nl(w, 0, a, 0, N);
        };
        // same exact integer block sums, different float summation order: a few ulps of the magnitude
        double[] e = exactDot(c, w, a, N);
        assertThat((double) vec).isCloseTo(ref, org.assertj.core.data.Offset.offset(2e-6 * e[1] + 1e-30));
    }

    @Property(tries = 30)
    void vectorDequantizationEqualsReference(@ForAll("intTypes") GgmlType t, @ForAll long seed) {
        MemorySegment w = LegacyBlocks.row(t, N, seed);
        float[] ref = new float[N], vec = new float[N];
        Codecs.of(t).dequantizeReference(w, 0, ref, 0, N);
        switch (t) {
            case Q8_0 -> LegacyVector.dequantQ8_0(w, 0, vec, 0, N);
            case Q4_0 -> LegacyVector.dequantQ4(w, 0, 18, 2, -8, false, vec, 0, N);
            case Q4_1 -> LegacyVector.dequantQ4(w, 0, 20, 4, 0, true, vec, 0, N);
            case Q5_0 -> LegacyVector.dequantQ5(w, 0, 22, 2, -16, false, vec, 0, N);
            case Q5_1 -> LegacyVector.dequantQ5(w, 0, 24, 4, 0, true, vec, 0, N);
            default -> LegacyVector.dequantIq4Nl(w, 0, vec, 0, N);
        }
        assertThat(vec).containsExactly(ref);
    }
}
