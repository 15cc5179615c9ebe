package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every codec's dot product against activations quantized for it equals Σ dequantize(w)·dequantize(x) — the dot is
 * held to the scalar reference dequantization (integer parts are exact; only float summation order differs).
 */
class CodecDotTest {
    /** Byte offsets of each type's float scales within a block (fp16 unless noted), made finite in random blocks. */
    static final Map<GgmlType, int[]> SCALES = Map.ofEntries(
            Map.entry(GgmlType.Q4_0, new int[]{0}), Map.entry(GgmlType.Q4_1, new int[]{0, 2}), Map.entry(GgmlType.Q5_0, new int[]{0}),
            Map.entry(GgmlType.Q5_1, new int[]{0, 2}), Map.entry(GgmlType.Q8_0, new int[]{0}), Map.entry(GgmlType.Q8_1, new int[]{0, 2}),
            Map.entry(GgmlType.IQ4_NL, new int[]{0}), Map.entry(GgmlType.Q2_K, new int[]{80, 82}), Map.entry(GgmlType.Q3_K, new int[]{108}),
            Map.entry(GgmlType.Q4_K, new int[]{0, 2}), Map.entry(GgmlType.Q5_K, new int[]{0, 2}), Map.entry(GgmlType.Q6_K, new int[]{208}));

    /** Random bytes with finite scales (uniform in ±2, plus exact zeros now and then). */
    static MemorySegment randomBlocks(GgmlType t, int n, Random rnd) {
        byte[] b = new byte[(int) t.bytesFor(n)];
        rnd.nextBytes(b);
        MemorySegment s = MemorySegment.ofArray(b);
        for (int blk = 0; blk < n / t.blockSize; blk++) {
            for (int off : SCALES.getOrDefault(t, new int[0])) {
                float v = rnd.nextInt(10) == 0 ? 0 : (rnd.nextFloat() * 4 - 2) * (rnd.nextBoolean() ? 1 : 1e-3f);
                s.set(Layouts.LE_SHORT, (long) blk * t.typeSize + off, Half.fromFloat(v));
            }
            if (t == GgmlType.Q8_K) s.set(Layouts.LE_FLOAT, (long) blk * t.typeSize, rnd.nextFloat());
        }
        if (t == GgmlType.F32) for (int i = 0; i < n; i++) s.set(Layouts.LE_FLOAT, 4L * i, (float) rnd.nextGaussian());
        if (t == GgmlType.BF16) for (int i = 0; i < n; i++) s.set(Layouts.LE_SHORT, 2L * i, Half.floatToBf16((float) rnd.nextGaussian()));
        if (t == GgmlType.F16) for (int i = 0; i < n; i++) s.set(Layouts.LE_SHORT, 2L * i, Half.fromFloat((float) rnd.nextGaussian()));
        return s;
    }

    @Property(tries = 60)
    void dotEqualsReferenceDequantizedProduct(@ForAll("types") GgmlType type, @ForAll @IntRange(min = 1, max = 3) int blocks256, @ForAll long seed) {
        Codec c = Codecs.of(type);
        int n = 256 * blocks256;
        Random rnd = new Random(seed);
        MemorySegment w = randomBlocks(type, n, rnd);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextInt(20) == 0 ? 0 : (float) rnd.nextGaussian() * (rnd.nextBoolean() ? 1 : 30);
        Activations act = new Activations().prepare(c.activationType(), x, 0, n, 1);
        float[] wf = new float[n];
        c.dequantizeReference(w, 0, wf, 0, n);
        float[] xf = activationValues(act, n);
        double expect = 0, mag = 0;
        for (int i = 0; i < n; i++) {
            expect += (double) wf[i] * xf[i];
            mag += Math.abs((double) wf[i] * xf[i]);
        }
        float got = c.dot(w, 0, act, 0, n);
        // Q4_1/Q5_1 use the activation block sum rounded to fp16 (s = d·Σq), as ggml does: allow that rounding
        double tol = 1e-4 * mag + 1e-5 + (c.activationType() == GgmlType.Q8_1 ? 2e-3 * mag : 0);
        assertThat((double) got).as(type.name()).isCloseTo(expect, org.assertj.core.data.Offset.offset(tol));
    }

    /** What the prepared activations stand for: d·q per block (F32: the floats themselves). */
    static float[] activationValues(Activations a, int n) {
        float[] v = new float[n];
        switch (a.format()) {
            case F32 -> System.arraycopy(a.f, 0, v, 0, n);
            case Q8_0, Q8_1 -> { for (int i = 0; i < n; i++) v[i] = a.d[i / 32] * a.q[i]; }
            case Q8_K -> { for (int i = 0; i < n; i++) v[i] = a.d[i / 256] * a.q[i]; }
            default -> throw new AssertionError();
        }
        return v;
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<GgmlType> types() {
        // the IQ/MXFP4/TQ types have their own property test (codec.IqCodecPropertiesTest) with their block layouts
        return net.jqwik.api.Arbitraries.of(java.util.Arrays.stream(GgmlType.values())
                .filter(t -> SCALES.containsKey(t) || t == GgmlType.F32 || t == GgmlType.F16 || t == GgmlType.BF16 || t == GgmlType.Q8_K).toList());
    }

    @Property(tries = 30)
    void quantizersRoundTripWithinHalfAStepOrBetter(@ForAll("quantizable") GgmlType type, @ForAll long seed) {
        Codec c = Codecs.of(type);
        int n = 256;
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        byte[] b = new byte[(int) type.bytesFor(n)];
        c.quantize(x, 0, MemorySegment.ofArray(b), 0, n);
        float[] y = new float[n];
        c.dequantizeReference(MemorySegment.ofArray(b), 0, y, 0, n);
        double err = 0, norm = 0;
        for (int i = 0; i < n; i++) {
            err += (x[i] - y[i]) * (double) (x[i] - y[i]);
            norm += x[i] * (double) x[i];
        }
        double bits = 8.0 * type.typeSize / type.blockSize;
        // float types: half an ulp of their mantissa; block quantizers with ~bits-1 bits of levels over ±3σ leave at
        // most ~3σ·2^-(bits-1.5) RMS error
        double bound = switch (type) {
            case F32 -> 1e-7;
            case F16 -> 0x1p-11;
            case BF16 -> 0x1p-8;
            default -> 3 * Math.pow(2, -(bits - 1.5));
        };
        assertThat(Math.sqrt(err / norm)).as(type.name()).isLessThan(bound);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<GgmlType> quantizable() {
        return net.jqwik.api.Arbitraries.of(java.util.Arrays.stream(GgmlType.values())
                .filter(t -> Codecs.find(t).map(Codec::canQuantize).orElse(false)).toList());
    }
}
