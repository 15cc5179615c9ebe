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
 * GGML order keeps) and 2–2.5× fewer vector operations per block.
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

    /** {@link dev.jmoe.tensor.Codec#dotRows} for Q4_K in FAST order: a row at a time, so the weights stream in order. */
    public static void rows(MemorySegment w, long rowBytes, int r0, int r1, Activations act, int nTok, float[] y, int yOff, int yStride) {
        int n = act.length();
        for (int r = r0; r < r1; r++) {
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
}
