package dev.jmoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ActivationQuant}'s Q8_0/Q8_1 and Q8_K with vector ops: the same bytes, scales and sums (tested against it
 * for random, tied, zero and non-finite inputs). Every matrix product quantizes its input once, and the scalar loops
 * took 5–10 ns a value — for a 2048-wide activation about as long as a 64-row weight group's product.
 *
 * <p>{@code Math.rint(v)} is {@code (v + 1.5·2²³) − 1.5·2²³}: for |v| < 2²² the sum's ulp is 1, so the hardware's
 * round-to-nearest-even gives the same integer (the scaled values stay within ±128); written out in each loop, since a
 * helper returning a vector is boxed when C2 compiles it on its own. Blocks whose
 * largest magnitude is not a positive finite number go through the scalar code, which defines what NaN and infinities
 * become.
 */
final class ActivationQuantVector {
    private ActivationQuantVector() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** As many bytes as F has lanes (the quants of one vector). */
    private static final VectorSpecies<Byte> BQ = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * F.length()));
    private static final int L = F.length();
    private static final float MAGIC = 0x1.8p23f;
    /** The low 8 lanes of a 16-lane vector (an eight's sum). */
    private static final VectorMask<Integer> LOW8 = VectorMask.fromLong(I, 0xFFL);

    /** Vectors of 8 or 16 floats (AVX2, AVX-512): Q8_0's 32 values and Q8_K's 16-value sums are whole vectors. */
    static final boolean ENABLED = Simd.INT_KERNELS && (L == 8 || L == 16);

    /**
     * As {@link ActivationQuant#q8_0}, plus, where {@code q16sum} is not null, the sums {@link Activations#q16sum}
     * ({@code 16·Σ} of each 16 quants) and {@link Activations#q8sum} ({@code 8·Σ} of each 32), from block
     * {@code blockOff}.
     */
    static void q8_0(float[] x, int xOff, int n, byte[] q, float[] d, float[] sums, short[] q16sum, short[] q8sum, int blockOff) {
        for (int b = 0; b < n / 32; b++) {
            int o = xOff + 32 * b, db = blockOff + b;
            FloatVector m = FloatVector.zero(F);
            for (int j = 0; j < 32; j += L) m = m.max(FloatVector.fromArray(F, x, o + j).abs());
            float amax = m.reduceLanes(VectorOperators.MAX);
            int s0 = 0, s1 = 0; // the two halves' sums
            if (!(amax < Float.POSITIVE_INFINITY)) { // NaN or infinite: the scalar code's rules
                ActivationQuant.q8_0(x, o, 32, q, d, sums, db);
                for (int i = 0; i < 16; i++) {
                    s0 += q[o + i];
                    s1 += q[o + 16 + i];
                }
            } else {
                float dd = amax / 127.f;
                float id = amax != 0 ? 127.f / amax : 0;
                for (int j = 0; j < 32; j += L) {
                    IntVector v = (IntVector) FloatVector.fromArray(F, x, o + j).mul(id).add(MAGIC).sub(MAGIC).convertShape(VectorOperators.F2I, I, 0);
                    ((ByteVector) v.convertShape(VectorOperators.I2B, BQ, 0)).intoArray(q, o + j);
                    if (j < 16) s0 += v.reduceLanes(VectorOperators.ADD);
                    else s1 += v.reduceLanes(VectorOperators.ADD);
                }
                d[db] = Half.round(dd);
                if (sums != null) sums[db] = Half.round(dd * (s0 + s1));
            }
            if (q16sum != null) {
                q16sum[2 * db] = (short) (16 * s0);
                q16sum[2 * db + 1] = (short) (16 * s1);
                q8sum[db] = (short) ((q16sum[2 * db] + q16sum[2 * db + 1]) / 2);
            }
        }
    }

    /**
     * As {@link ActivationQuant#q8_K}, plus, where {@code sum8} is not null, {@code sum8[e] = 32·Σ} of each 8 quants
     * (block {@code blockOff} starting at {@code sum8[32·blockOff]}; {@link Activations#q8ksum8}).
     */
    static void q8_K(float[] x, int xOff, int n, byte[] q, float[] d, short[] bsums, short[] sum8, int blockOff) {
        for (int b = 0; b < n / 256; b++) {
            int o = xOff + 256 * b;
            FloatVector m = FloatVector.zero(F);
            for (int j = 0; j < 256; j += L) m = m.max(FloatVector.fromArray(F, x, o + j).abs());
            float amax = m.reduceLanes(VectorOperators.MAX);
            int bs = 16 * (blockOff + b);
            if (!(amax > 0 && amax < Float.POSITIVE_INFINITY)) { // all zero, NaN or infinite: the scalar code's rules
                ActivationQuant.q8_K(x, o, 256, q, d, bsums, blockOff + b);
                if (sum8 != null) {
                    for (int e = 0; e < 32; e++) {
                        int s8 = 0;
                        for (int i = 0; i < 8; i++) s8 += q[o + 8 * e + i];
                        sum8[2 * bs + e] = (short) (32 * s8);
                    }
                }
                continue;
            }
            // the scalar loop keeps the first value of largest magnitude (strict >), sign included
            int first = o;
            while (Math.abs(x[first]) != amax) first++;
            float iscale = -127.f / x[first];
            for (int e = 0; e < 32; e += L / 8) { // a vector: L/8 eights
                int j = o + 8 * e;
                IntVector v = ((IntVector) FloatVector.fromArray(F, x, j).mul(iscale).add(MAGIC).sub(MAGIC).convertShape(VectorOperators.F2I, I, 0)).min(127);
                ((ByteVector) v.convertShape(VectorOperators.I2B, BQ, 0)).intoArray(q, j);
                int all = v.reduceLanes(VectorOperators.ADD);
                if (L == 16) {
                    bsums[bs + e / 2] = (short) all;
                    if (sum8 != null) { // the low eight's sum only when asked for: a second reduction
                        int lo = v.reduceLanes(VectorOperators.ADD, LOW8);
                        sum8[2 * bs + e] = (short) (32 * lo);
                        sum8[2 * bs + e + 1] = (short) (32 * (all - lo));
                    }
                } else { // 8 lanes: a 16-value sum takes two vectors
                    if ((e & 1) == 0) bsums[bs + e / 2] = (short) all;
                    else bsums[bs + e / 2] += (short) all;
                    if (sum8 != null) sum8[2 * bs + e] = (short) (32 * all);
                }
            }
            d[blockOff + b] = 1 / iscale;
        }
    }
}
