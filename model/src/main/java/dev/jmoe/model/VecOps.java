package dev.jmoe.model;

import dev.jmoe.tensor.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Float dot product and axpy for the attention inner loops (Vector API, scalar tail); deterministic. */
final class VecOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** As many F16 values as S has floats. */
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));

    private VecOps() {}

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float s = 0;
        if (n >= S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
            }
            // lanes summed in a fixed order: reduceLanes' order differs between the interpreter and C2, and a
            // result that depends on JIT state would move MoE routing near-ties from run to run; the tree, not the
            // lanes one after another (16 dependent adds a cached position and head)
            s = Simd.sumTree(acc);
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /**
     * {@link #dot} of {@code a[ao..]} with four rows of {@code b} (from {@code b0..b3}) into {@code out[oo..oo+4)}: each
     * row its own FMA chain, tree and tail, so each value has {@link #dot}'s bits; four chains side by side instead of
     * one (a chain waits an FMA's latency a vector), and {@code a} loaded once for the four.
     */
    static void dot4(float[] a, int ao, float[] b, int b0, int b1, int b2, int b3, int n, float[] out, int oo) {
        int i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (n >= S.length()) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector av = FloatVector.fromArray(S, a, ao + i);
                c0 = av.fma(FloatVector.fromArray(S, b, b0 + i), c0);
                c1 = av.fma(FloatVector.fromArray(S, b, b1 + i), c1);
                c2 = av.fma(FloatVector.fromArray(S, b, b2 + i), c2);
                c3 = av.fma(FloatVector.fromArray(S, b, b3 + i), c3);
            }
            s0 = Simd.sumTree(c0);
            s1 = Simd.sumTree(c1);
            s2 = Simd.sumTree(c2);
            s3 = Simd.sumTree(c3);
        }
        for (; i < n; i++) {
            s0 += a[ao + i] * b[b0 + i];
            s1 += a[ao + i] * b[b1 + i];
            s2 += a[ao + i] * b[b2 + i];
            s3 += a[ao + i] * b[b3 + i];
        }
        out[oo] = s0;
        out[oo + 1] = s1;
        out[oo + 2] = s2;
        out[oo + 3] = s3;
    }

    /** {@link #dotStaged} of {@code a[ao..]} with four rows of {@code b} into {@code out[oo..oo+4)}, each with its bits (as {@link #dot4}). */
    static void dotStaged4(float[] a, int ao, float[] b, int b0, int b1, int b2, int b3, int n, float[] out, int oo) {
        int i = 0, len = S.length();
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (n >= len) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, d0 = c0, d1 = c0, d2 = c0, d3 = c0;
            for (int up = n - 2 * len; i <= up; i += 2 * len) {
                FloatVector av = FloatVector.fromArray(S, a, ao + i), aw = FloatVector.fromArray(S, a, ao + i + len);
                c0 = av.fma(FloatVector.fromArray(S, b, b0 + i), c0);
                d0 = aw.fma(FloatVector.fromArray(S, b, b0 + i + len), d0);
                c1 = av.fma(FloatVector.fromArray(S, b, b1 + i), c1);
                d1 = aw.fma(FloatVector.fromArray(S, b, b1 + i + len), d1);
                c2 = av.fma(FloatVector.fromArray(S, b, b2 + i), c2);
                d2 = aw.fma(FloatVector.fromArray(S, b, b2 + i + len), d2);
                c3 = av.fma(FloatVector.fromArray(S, b, b3 + i), c3);
                d3 = aw.fma(FloatVector.fromArray(S, b, b3 + i + len), d3);
            }
            if (i + len <= n) {
                FloatVector av = FloatVector.fromArray(S, a, ao + i);
                c0 = av.fma(FloatVector.fromArray(S, b, b0 + i), c0);
                c1 = av.fma(FloatVector.fromArray(S, b, b1 + i), c1);
                c2 = av.fma(FloatVector.fromArray(S, b, b2 + i), c2);
                c3 = av.fma(FloatVector.fromArray(S, b, b3 + i), c3);
                i += len;
            }
            s0 = Simd.sumTree(c0.add(d0));
            s1 = Simd.sumTree(c1.add(d1));
            s2 = Simd.sumTree(c2.add(d2));
            s3 = Simd.sumTree(c3.add(d3));
        }
        for (; i < n; i++) {
            s0 += a[ao + i] * b[b0 + i];
            s1 += a[ao + i] * b[b1 + i];
            s2 += a[ao + i] * b[b2 + i];
            s3 += a[ao + i] * b[b3 + i];
        }
        out[oo] = s0;
        out[oo + 1] = s1;
        out[oo + 2] = s2;
        out[oo + 3] = s3;
    }

    /**
     * Four {@link #axpy}s (or, {@code fusedTail}, {@link #axpyStaged}s) into the same {@code y}, rows {@code x0..x3} of
     * {@code x} times {@code alpha[ai..ai+4)}, in that order: each element takes the same four FMAs in the same order
     * (the same bits), and {@code y} is loaded and stored once instead of four times.
     */
    static void axpy4(float[] alpha, int ai, float[] x, int x0, int x1, int x2, int x3, float[] y, int yo, int n, boolean fusedTail) {
        int i = 0;
        float e0 = alpha[ai], e1 = alpha[ai + 1], e2 = alpha[ai + 2], e3 = alpha[ai + 3];
        if (n >= S.length()) {
            FloatVector v0 = FloatVector.broadcast(S, e0), v1 = FloatVector.broadcast(S, e1);
            FloatVector v2 = FloatVector.broadcast(S, e2), v3 = FloatVector.broadcast(S, e3);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector acc = FloatVector.fromArray(S, x, x0 + i).fma(v0, FloatVector.fromArray(S, y, yo + i));
                acc = FloatVector.fromArray(S, x, x1 + i).fma(v1, acc);
                acc = FloatVector.fromArray(S, x, x2 + i).fma(v2, acc);
                FloatVector.fromArray(S, x, x3 + i).fma(v3, acc).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            if (fusedTail) {
                y[yo + i] = Math.fma(e3, x[x3 + i], Math.fma(e2, x[x2 + i], Math.fma(e1, x[x1 + i], Math.fma(e0, x[x0 + i], y[yo + i]))));
            } else {
                y[yo + i] += e0 * x[x0 + i];
                y[yo + i] += e1 * x[x1 + i];
                y[yo + i] += e2 * x[x2 + i];
                y[yo + i] += e3 * x[x3 + i];
            }
        }
    }

    /** {@code y[yo..+n) += alpha · x[xo..+n)}. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        if (n >= S.length()) {
            FloatVector va = FloatVector.broadcast(S, alpha);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    /**
     * Dot product with an F16 operand (IEEE half bits), accumulated in float in a fixed order: two lane-wise FMA chains
     * over pairs of vectors, one more vector into the first, the chains added, their lanes summed by {@link Simd#sumTree},
     * then the scalar tail. {@link #dotStaged} gives the same bits from the operand converted to floats beforehand.
     * The F16 cache's attention reads every cached row once per head with it; the sequential scalar sum it replaced
     * (one add's latency a value) made attention 13 % of Moonlight's 128-token prefill.
     */
    static float dot16(float[] a, int ao, short[] b, int bo, int n) {
        int i = 0, len = S.length();
        float s = 0;
        if (n >= len) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0;
            for (int up = n - 2 * len; i <= up; i += 2 * len) {
                // F16 → F32 written out (a helper returning a vector is boxed when compiled on its own): sign and
                // the 15 low bits moved to their float places, times 2^112 (exact for normal and subnormal halves);
                // exponent 31 (infinities, NaN) gets the float's all-ones exponent, as Float.float16ToFloat does
                IntVector h0 = (IntVector) ShortVector.fromArray(H, b, bo + i).convertShape(VectorOperators.S2I, I, 0);
                IntVector h1 = (IntVector) ShortVector.fromArray(H, b, bo + i + len).convertShape(VectorOperators.S2I, I, 0);
                FloatVector f0 = h0.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                FloatVector f1 = h1.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                f0 = f0.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, h0.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                f1 = f1.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, h1.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                a0 = FloatVector.fromArray(S, a, ao + i).fma(f0, a0);
                a1 = FloatVector.fromArray(S, a, ao + i + len).fma(f1, a1);
            }
            if (i + len <= n) {
                IntVector h0 = (IntVector) ShortVector.fromArray(H, b, bo + i).convertShape(VectorOperators.S2I, I, 0);
                FloatVector f0 = h0.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                f0 = f0.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, h0.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                a0 = FloatVector.fromArray(S, a, ao + i).fma(f0, a0);
                i += len;
            }
            s = Simd.sumTree(a0.add(a1));
        }
        for (; i < n; i++) s += a[ao + i] * Float.float16ToFloat(b[bo + i]);
        return s;
    }

    /** {@link #dot16} over F16 values already converted to floats ({@link #stage}): the same operations, the same bits. */
    static float dotStaged(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0, len = S.length();
        float s = 0;
        if (n >= len) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0;
            for (int up = n - 2 * len; i <= up; i += 2 * len) {
                a0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), a0);
                a1 = FloatVector.fromArray(S, a, ao + i + len).fma(FloatVector.fromArray(S, b, bo + i + len), a1);
            }
            if (i + len <= n) {
                a0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), a0);
                i += len;
            }
            s = Simd.sumTree(a0.add(a1));
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** {@code y[yo..+n) += alpha · x[xo..+n)} with x in F16 (converted as in {@link #dot16}), each element one FMA. */
    static void axpy16(float alpha, short[] x, int xo, float[] y, int yo, int n) {
        int i = 0, len = S.length();
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int up = n - len; i <= up; i += len) {
            IntVector h = (IntVector) ShortVector.fromArray(H, x, xo + i).convertShape(VectorOperators.S2I, I, 0);
            FloatVector f = h.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
            f = f.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, h.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
            f.fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(alpha, Float.float16ToFloat(x[xo + i]), y[yo + i]); // as the lanes
    }

    /** {@link #axpy16} over F16 values already converted to floats: the same bits. */
    static void axpyStaged(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, len = S.length();
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int up = n - len; i <= up; i += len) {
            FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(alpha, x[xo + i], y[yo + i]);
    }

    /**
     * {@code dst[0..n) = src[so..so+n)} converted from F16 (exactly). A plain loop of {@link Float#float16ToFloat}, which
     * C2 compiles to {@code vcvtph2ps} vectors.
     */
    static void stage(short[] src, int so, float[] dst, int n) {
        for (int i = 0; i < n; i++) dst[i] = Float.float16ToFloat(src[so + i]);
    }

    /** Rounds to the nearest F16 value (ggml's fp32→fp16 conversion, round to nearest even). */
    static float roundHalf(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
