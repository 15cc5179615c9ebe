package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.KQuants.minK4;
import static dev.jmoe.tensor.codec.KQuants.scaleK4;

import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K rows against Q8_K activations in {@link dev.jmoe.tensor.DotOrder#FAST} order, on 512-bit vectors. The
 * activations are quantized as llama.cpp does and read as floats {@code q·d} ({@link Activations#qf}); each 32-value
 * sub-block's products are summed in float and scaled by {@code d·sc}: {@code acc = fma(w_lo·x_lo + w_hi·x_hi, d·sc,
 * acc)}, the mins subtracted once per row as {@code Σ dmin·m·d_x·bsum}. Nibbles become floats through a 16-entry table
 * (one permute for mask, convert). Within float rounding of the exact integer kernel ({@link KFloatKernels}, which
 * GGML order keeps) and 2–2.5× fewer vector operations per block. Tiles: {@code acc = fma(w·d·sc, x, acc)} per value
 * and the mins per block, so a batch's values are within float rounding of the one-token ones.
 */
public final class Q4KFloatKernels {
    private Q4KFloatKernels() {}

    /** Same condition as the other 512-bit float kernels. */
    public static final boolean ENABLED = Int8FloatKernels.ENABLED;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    /** Float bits of {@code i} in lane i: selectFrom with a nibble gives its value. */
    private static final IntVector NIBBLES;

    static {
        int[] v = new int[16];
        for (int i = 0; i < 16; i++) v[i] = Float.floatToIntBits(i);
        NIBBLES = IntVector.fromArray(I, v, 0);
    }

    /**
     * {@link dev.jmoe.tensor.Codec#dotRows} for Q4_K in FAST order: batches in 4 rows × 4 tokens tiles (each decoded
     * sub-block scaled once and used for 4 tokens), single tokens a row at a time so the weights stream in order.
     */
    public static void rows(MemorySegment w, long rowBytes, int r0, int r1, Activations act, int nTok, float[] y, int yOff, int yStride) {
        int n = act.length();
        int tTiles = nTok / Q8FloatKernels.TILE_TOKENS * Q8FloatKernels.TILE_TOKENS, r = r0;
        if (tTiles > 0) {
            float[] s = Q8FloatKernels.scratch();
            for (; r + 4 <= r1; r += 4) {
                for (int t = 0; t < tTiles; t += 4) tile(w, rowBytes, r, act.qf, act.d, act.bsums, n, t, y, yOff, yStride, s);
                for (int t = tTiles; t < nTok; t++) {
                    for (int k = r; k < r + 4; k++) y[yOff + t * yStride + k] = row(w, k * rowBytes, act.qf, act.d, act.bsums, t * n, n);
                }
            }
        }
        for (; r < r1; r++) {
            for (int t = 0; t < nTok; t++) y[yOff + t * yStride + r] = row(w, r * rowBytes, act.qf, act.d, act.bsums, t * n, n);
        }
    }

    /** One row (blocks of 144 bytes: d, dmin, 12 packed scale bytes, 128 bytes of nibbles) against the vector at {@code xo}. */
    static float row(MemorySegment w, long off, float[] x, float[] xd, short[] bsums, int xo, int n) {
        IntVector tbl = NIBBLES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float mins = 0;
        for (int i = 0; i < n / 256; i++) {
            long o = off + 144L * i;
            int xb = xo + 256 * i, bs = xb / 16;
            float dx = xd[xb / 256];
            float d = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o)), dm = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o + 2)) * dx;
            long scLo = w.get(Layouts.LE_LONG, o + 4);
            int scHi = w.get(Layouts.LE_INT, o + 12);
            int summs = 0;
            for (int c = 0; c < 4; c++) {
                long q = o + 16 + 32L * c;
                int xc = xb + 64 * c, sb = 2 * c;
                IntVector u = (IntVector) ByteVector.fromMemorySegment(B128, w, q, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector v = (IntVector) ByteVector.fromMemorySegment(B128, w, q + 16, LE).convertShape(VectorOperators.B2I, I, 0);
                // sub-block sb: low nibbles of the 32 bytes; sb + 1: high nibbles
                FloatVector lo = u.selectFrom(tbl).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xc),
                        v.selectFrom(tbl).reinterpretAsFloats().mul(FloatVector.fromArray(F, x, xc + 16)));
                FloatVector hi = u.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xc + 32),
                        v.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(FloatVector.fromArray(F, x, xc + 48)));
                a0 = lo.fma(FloatVector.broadcast(F, d * scaleK4(scLo, scHi, sb)), a0);
                a1 = hi.fma(FloatVector.broadcast(F, d * scaleK4(scLo, scHi, sb + 1)), a1);
                summs += minK4(scLo, scHi, sb) * (bsums[bs + 2 * sb] + bsums[bs + 2 * sb + 1])
                        + minK4(scLo, scHi, sb + 1) * (bsums[bs + 2 * sb + 2] + bsums[bs + 2 * sb + 3]);
            }
            mins += dm * summs;
        }
        return Q8FloatKernels.sum(a0.add(a1)) - mins;
    }

    /** 4 rows × 4 tokens of Q4_K against FAST-order float activations; see {@link #rows}. */
    private static void tile(MemorySegment w, long rowBytes, int r0, float[] x, float[] xd, short[] bsums, int n, int t0, float[] y, int yOff, int yStride, float[] s) {
        IntVector tbl = NIBBLES;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        float f00 = 0, f01 = 0, f02 = 0, f03 = 0, f10 = 0, f11 = 0, f12 = 0, f13 = 0, f20 = 0, f21 = 0, f22 = 0, f23 = 0, f30 = 0, f31 = 0, f32 = 0, f33 = 0; // Σ dmin·d_x·Σ m·bsum
        for (int i = 0; i < n / 256; i++) {
            long o0 = r0 * rowBytes + 144L * i, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
            int xb = t0 * n + 256 * i, bs = xb / 16, nb16 = n / 16, db = xb / 256, nb256 = n / 256;
            long lo0 = w.get(Layouts.LE_LONG, o0 + 4); int hi0 = w.get(Layouts.LE_INT, o0 + 12);
            float d0 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o0)), dm0 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o0 + 2));
            long lo1 = w.get(Layouts.LE_LONG, o1 + 4); int hi1 = w.get(Layouts.LE_INT, o1 + 12);
            float d1 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o1)), dm1 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o1 + 2));
            long lo2 = w.get(Layouts.LE_LONG, o2 + 4); int hi2 = w.get(Layouts.LE_INT, o2 + 12);
            float d2 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o2)), dm2 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o2 + 2));
            long lo3 = w.get(Layouts.LE_LONG, o3 + 4); int hi3 = w.get(Layouts.LE_INT, o3 + 12);
            float d3 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o3)), dm3 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o3 + 2));
            int m00 = 0, m01 = 0, m02 = 0, m03 = 0, m10 = 0, m11 = 0, m12 = 0, m13 = 0, m20 = 0, m21 = 0, m22 = 0, m23 = 0, m30 = 0, m31 = 0, m32 = 0, m33 = 0;
            for (int j = 0; j < 8; j++) {
                int mn0 = minK4(lo0, hi0, j);
                int mn1 = minK4(lo1, hi1, j);
                int mn2 = minK4(lo2, hi2, j);
                int mn3 = minK4(lo3, hi3, j);
                int b0 = bsums[bs + 0 * nb16 + 2 * j] + bsums[bs + 0 * nb16 + 2 * j + 1];
                int b1 = bsums[bs + 1 * nb16 + 2 * j] + bsums[bs + 1 * nb16 + 2 * j + 1];
                int b2 = bsums[bs + 2 * nb16 + 2 * j] + bsums[bs + 2 * nb16 + 2 * j + 1];
                int b3 = bsums[bs + 3 * nb16 + 2 * j] + bsums[bs + 3 * nb16 + 2 * j + 1];
                m00 += mn0 * b0; m01 += mn0 * b1; m02 += mn0 * b2; m03 += mn0 * b3;
                m10 += mn1 * b0; m11 += mn1 * b1; m12 += mn1 * b2; m13 += mn1 * b3;
                m20 += mn2 * b0; m21 += mn2 * b1; m22 += mn2 * b2; m23 += mn2 * b3;
                m30 += mn3 * b0; m31 += mn3 * b1; m32 += mn3 * b2; m33 += mn3 * b3;
            }
            for (int c = 0; c < 4; c++) {
                int xc = xb + 64 * c, sb = 2 * c;
                long q0 = o0 + 16 + 32L * c;
                IntVector u0 = (IntVector) ByteVector.fromMemorySegment(B128, w, q0, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector v0 = (IntVector) ByteVector.fromMemorySegment(B128, w, q0 + 16, LE).convertShape(VectorOperators.B2I, I, 0);
                FloatVector sl0 = FloatVector.broadcast(F, d0 * scaleK4(lo0, hi0, sb)), sh0 = FloatVector.broadcast(F, d0 * scaleK4(lo0, hi0, sb + 1));
                FloatVector l00 = u0.selectFrom(tbl).reinterpretAsFloats().mul(sl0), l10 = v0.selectFrom(tbl).reinterpretAsFloats().mul(sl0);
                FloatVector h00 = u0.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(sh0), h10 = v0.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(sh0);
                long q1 = o1 + 16 + 32L * c;
                IntVector u1 = (IntVector) ByteVector.fromMemorySegment(B128, w, q1, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector v1 = (IntVector) ByteVector.fromMemorySegment(B128, w, q1 + 16, LE).convertShape(VectorOperators.B2I, I, 0);
                FloatVector sl1 = FloatVector.broadcast(F, d1 * scaleK4(lo1, hi1, sb)), sh1 = FloatVector.broadcast(F, d1 * scaleK4(lo1, hi1, sb + 1));
                FloatVector l01 = u1.selectFrom(tbl).reinterpretAsFloats().mul(sl1), l11 = v1.selectFrom(tbl).reinterpretAsFloats().mul(sl1);
                FloatVector h01 = u1.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(sh1), h11 = v1.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(sh1);
                long q2 = o2 + 16 + 32L * c;
                IntVector u2 = (IntVector) ByteVector.fromMemorySegment(B128, w, q2, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector v2 = (IntVector) ByteVector.fromMemorySegment(B128, w, q2 + 16, LE).convertShape(VectorOperators.B2I, I, 0);
                FloatVector sl2 = FloatVector.broadcast(F, d2 * scaleK4(lo2, hi2, sb)), sh2 = FloatVector.broadcast(F, d2 * scaleK4(lo2, hi2, sb + 1));
                FloatVector l02 = u2.selectFrom(tbl).reinterpretAsFloats().mul(sl2), l12 = v2.selectFrom(tbl).reinterpretAsFloats().mul(sl2);
                FloatVector h02 = u2.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(sh2), h12 = v2.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(sh2);
                long q3 = o3 + 16 + 32L * c;
                IntVector u3 = (IntVector) ByteVector.fromMemorySegment(B128, w, q3, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector v3 = (IntVector) ByteVector.fromMemorySegment(B128, w, q3 + 16, LE).convertShape(VectorOperators.B2I, I, 0);
                FloatVector sl3 = FloatVector.broadcast(F, d3 * scaleK4(lo3, hi3, sb)), sh3 = FloatVector.broadcast(F, d3 * scaleK4(lo3, hi3, sb + 1));
                FloatVector l03 = u3.selectFrom(tbl).reinterpretAsFloats().mul(sl3), l13 = v3.selectFrom(tbl).reinterpretAsFloats().mul(sl3);
                FloatVector h03 = u3.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(sh3), h13 = v3.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(sh3);
                int x0 = xc + 0 * n;
                FloatVector xA0 = FloatVector.fromArray(F, x, x0), xB0 = FloatVector.fromArray(F, x, x0 + 16), xC0 = FloatVector.fromArray(F, x, x0 + 32), xD0 = FloatVector.fromArray(F, x, x0 + 48);
                a00 = l00.fma(xA0, l10.fma(xB0, h00.fma(xC0, h10.fma(xD0, a00)))); a10 = l01.fma(xA0, l11.fma(xB0, h01.fma(xC0, h11.fma(xD0, a10)))); a20 = l02.fma(xA0, l12.fma(xB0, h02.fma(xC0, h12.fma(xD0, a20)))); a30 = l03.fma(xA0, l13.fma(xB0, h03.fma(xC0, h13.fma(xD0, a30))));
                int x1 = xc + 1 * n;
                FloatVector xA1 = FloatVector.fromArray(F, x, x1), xB1 = FloatVector.fromArray(F, x, x1 + 16), xC1 = FloatVector.fromArray(F, x, x1 + 32), xD1 = FloatVector.fromArray(F, x, x1 + 48);
                a01 = l00.fma(xA1, l10.fma(xB1, h00.fma(xC1, h10.fma(xD1, a01)))); a11 = l01.fma(xA1, l11.fma(xB1, h01.fma(xC1, h11.fma(xD1, a11)))); a21 = l02.fma(xA1, l12.fma(xB1, h02.fma(xC1, h12.fma(xD1, a21)))); a31 = l03.fma(xA1, l13.fma(xB1, h03.fma(xC1, h13.fma(xD1, a31))));
                int x2 = xc + 2 * n;
                FloatVector xA2 = FloatVector.fromArray(F, x, x2), xB2 = FloatVector.fromArray(F, x, x2 + 16), xC2 = FloatVector.fromArray(F, x, x2 + 32), xD2 = FloatVector.fromArray(F, x, x2 + 48);
                a02 = l00.fma(xA2, l10.fma(xB2, h00.fma(xC2, h10.fma(xD2, a02)))); a12 = l01.fma(xA2, l11.fma(xB2, h01.fma(xC2, h11.fma(xD2, a12)))); a22 = l02.fma(xA2, l12.fma(xB2, h02.fma(xC2, h12.fma(xD2, a22)))); a32 = l03.fma(xA2, l13.fma(xB2, h03.fma(xC2, h13.fma(xD2, a32))));
                int x3 = xc + 3 * n;
                FloatVector xA3 = FloatVector.fromArray(F, x, x3), xB3 = FloatVector.fromArray(F, x, x3 + 16), xC3 = FloatVector.fromArray(F, x, x3 + 32), xD3 = FloatVector.fromArray(F, x, x3 + 48);
                a03 = l00.fma(xA3, l10.fma(xB3, h00.fma(xC3, h10.fma(xD3, a03)))); a13 = l01.fma(xA3, l11.fma(xB3, h01.fma(xC3, h11.fma(xD3, a13)))); a23 = l02.fma(xA3, l12.fma(xB3, h02.fma(xC3, h12.fma(xD3, a23)))); a33 = l03.fma(xA3, l13.fma(xB3, h03.fma(xC3, h13.fma(xD3, a33))));
            }
            float dx0 = xd[db + 0 * nb256];
            float dx1 = xd[db + 1 * nb256];
            float dx2 = xd[db + 2 * nb256];
            float dx3 = xd[db + 3 * nb256];
            f00 += dm0 * dx0 * m00;
            f01 += dm0 * dx1 * m01;
            f02 += dm0 * dx2 * m02;
            f03 += dm0 * dx3 * m03;
            f10 += dm1 * dx0 * m10;
            f11 += dm1 * dx1 * m11;
            f12 += dm1 * dx2 * m12;
            f13 += dm1 * dx3 * m13;
            f20 += dm2 * dx0 * m20;
            f21 += dm2 * dx1 * m21;
            f22 += dm2 * dx2 * m22;
            f23 += dm2 * dx3 * m23;
            f30 += dm3 * dx0 * m30;
            f31 += dm3 * dx1 * m31;
            f32 += dm3 * dx2 * m32;
            f33 += dm3 * dx3 * m33;
        }
        a00.intoArray(s, 0);
        y[yOff + (t0 + 0) * yStride + r0 + 0] = Q8FloatKernels.sum16(s) - f00;
        a01.intoArray(s, 0);
        y[yOff + (t0 + 1) * yStride + r0 + 0] = Q8FloatKernels.sum16(s) - f01;
        a02.intoArray(s, 0);
        y[yOff + (t0 + 2) * yStride + r0 + 0] = Q8FloatKernels.sum16(s) - f02;
        a03.intoArray(s, 0);
        y[yOff + (t0 + 3) * yStride + r0 + 0] = Q8FloatKernels.sum16(s) - f03;
        a10.intoArray(s, 0);
        y[yOff + (t0 + 0) * yStride + r0 + 1] = Q8FloatKernels.sum16(s) - f10;
        a11.intoArray(s, 0);
        y[yOff + (t0 + 1) * yStride + r0 + 1] = Q8FloatKernels.sum16(s) - f11;
        a12.intoArray(s, 0);
        y[yOff + (t0 + 2) * yStride + r0 + 1] = Q8FloatKernels.sum16(s) - f12;
        a13.intoArray(s, 0);
        y[yOff + (t0 + 3) * yStride + r0 + 1] = Q8FloatKernels.sum16(s) - f13;
        a20.intoArray(s, 0);
        y[yOff + (t0 + 0) * yStride + r0 + 2] = Q8FloatKernels.sum16(s) - f20;
        a21.intoArray(s, 0);
        y[yOff + (t0 + 1) * yStride + r0 + 2] = Q8FloatKernels.sum16(s) - f21;
        a22.intoArray(s, 0);
        y[yOff + (t0 + 2) * yStride + r0 + 2] = Q8FloatKernels.sum16(s) - f22;
        a23.intoArray(s, 0);
        y[yOff + (t0 + 3) * yStride + r0 + 2] = Q8FloatKernels.sum16(s) - f23;
        a30.intoArray(s, 0);
        y[yOff + (t0 + 0) * yStride + r0 + 3] = Q8FloatKernels.sum16(s) - f30;
        a31.intoArray(s, 0);
        y[yOff + (t0 + 1) * yStride + r0 + 3] = Q8FloatKernels.sum16(s) - f31;
        a32.intoArray(s, 0);
        y[yOff + (t0 + 2) * yStride + r0 + 3] = Q8FloatKernels.sum16(s) - f32;
        a33.intoArray(s, 0);
        y[yOff + (t0 + 3) * yStride + r0 + 3] = Q8FloatKernels.sum16(s) - f33;
    }

}
