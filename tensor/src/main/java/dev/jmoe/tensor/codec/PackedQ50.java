package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_INT;

import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_0 weights repacked 64 rows to a group, as {@link PackedQ40}: the low 4 bits of each value in the same nibble
 * lanes, the fifth bit of an element for 32 rows as one 32-bit lane mask (a masked add of 16).
 *
 * <p>ggml's {@code block_q5_0} (32 values, 22 bytes): f16 {@code d}, the fifth bits {@code qh} (bit j: value j),
 * 16 bytes of low nibbles (byte p: value p low, value p+16 high); a value is {@code d·(q − 16)}, q = 0..31.
 *
 * <p>Layout per group of 64 rows, per block (1408 bytes, as the rows' own):
 * <pre>
 *   [0, 128)               the rows' f16 scales, row order
 *   [128 + 16p, +16)       p = 0..15: fifth bits of value p for rows 0..31, of value p for rows 32..63, of value
 *                          p+16 for rows 0..31, for rows 32..63 (4 little-endian ints, bit k = row k or k+32)
 *   [384 + 64p, +64)       byte 2k = row k's nibble byte p, byte 2k+1 = row k+32's
 * </pre>
 * With q up to 31 a 32-value sum could leave 16 bits, so each half block (16 values) has its own 16-bit sum:
 * {@code Σ (q−16)·x} over 16 values lies within ±16·16·127 = 32512, so subtracting {@link Activations#q16sum} leaves
 * it exact; the halves are added in 32 bits.
 */
public final class PackedQ50 {
    private PackedQ50() {}

    private static final int ROWS = Packed.ROWS;
    private static final int BLOCK = 22, QS = 384, GROUP_BLOCK = ROWS * BLOCK;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;

    /**
     * One group of 64 rows: {@code in} holds them as in the file ({@code rowBytes} each), {@code out} (zeroed) receives
     * the packed group.
     */
    static void packGroup(byte[] in, int rowBytes, byte[] out) {
        int nb = rowBytes / BLOCK;
        for (int b = 0; b < nb; b++) {
            int o = GROUP_BLOCK * b;
            for (int r = 0; r < ROWS; r++) {
                int i = r * rowBytes + BLOCK * b;
                out[o + 2 * r] = in[i];
                out[o + 2 * r + 1] = in[i + 1];
                int qh = (in[i + 2] & 0xFF) | (in[i + 3] & 0xFF) << 8 | (in[i + 4] & 0xFF) << 16 | (in[i + 5] & 0xFF) << 24;
                int half = r < 32 ? 0 : 1, bit = r & 31;
                for (int p = 0; p < 16; p++) {
                    setBit(out, o + 128 + 16 * p + 4 * half, bit, (qh >>> p) & 1);
                    setBit(out, o + 128 + 16 * p + 8 + 4 * half, bit, (qh >>> (p + 16)) & 1);
                }
                int lane = o + QS + (r < 32 ? 2 * r : 2 * (r - 32) + 1);
                for (int p = 0; p < 16; p++) out[lane + 64 * p] = in[i + 6 + p];
            }
        }
    }

    /** Sets bit {@code bit} of the little-endian int at {@code at} to {@code v}. */
    private static void setBit(byte[] a, int at, int bit, int v) {
        a[at + bit / 8] |= (byte) (v << (bit % 8));
    }

    /** Bytes of one group of 64 rows of {@code cols} columns. */
    static long groupBytes(int cols) {
        return (long) (cols / 32) * GROUP_BLOCK;
    }

    /** Rows {@code [64g, 64g + 64)} of the packed weight (group at {@code go}) against token {@code t}: {@code y[yo..yo+64)}. */
    static void group(MemorySegment w, long go, int cols, Activations act, int t, float[] y, int yo, short[] xs) {
        int nb = cols / 32;
        group(w, go, nb, act.q, t * cols, act.d, act.q16sum, t * nb, y, yo, xs);
    }

    /**
     * {@link #group(MemorySegment, long, int, Activations, int, float[], int)} for tokens {@code t} and {@code t+1} at
     * once: each weight vector's values (nibbles and fifth bits) are taken out once for both, as {@link PackedQ40#group2}
     * does. Every token's sums run in the same order as alone, so the values are the single-token ones.
     */
    static void group2(MemorySegment w, long go, int cols, Activations act, int t, float[] y, int yoA, int yoB, short[] xs) {
        int nb = cols / 32;
        byte[] q = act.q;
        float[] d = act.d;
        short[] q16sum = act.q16sum;
        int qa = t * cols, qb = qa + cols, da = t * nb, dbB = da + nb;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int b = 0; b < nb; b++) {
            long o = go + (long) GROUP_BLOCK * b;
            ShortVector h0 = ShortVector.fromMemorySegment(S, w, o, LE), h1 = ShortVector.fromMemorySegment(S, w, o + 64, LE); // before the quants (Prefetch)
            Packed.widen(q, qa + 32 * b, xs, 0, 32); // broadcasts from memory (Packed.WIDE)
            Packed.widen(q, qb + 32 * b, xs, 32, 32);
            ShortVector lo0A = ShortVector.zero(S), lo1A = lo0A, hi0A = lo0A, hi1A = lo0A, lo0B = lo0A, lo1B = lo0A, hi0B = lo0A, hi1B = lo0A;
            for (int p = 0; p < 16; p++) {
                ShortVector v = ByteVector.fromMemorySegment(B, w, o + QS + 64 * p, LE).reinterpretAsShorts();
                long mo = o + 128 + 16 * p;
                ShortVector n0 = v.and((short) 15).add((short) 16, VectorMask.fromLong(S, w.get(LE_INT, mo) & 0xFFFFFFFFL));
                ShortVector n2 = v.lanewise(VectorOperators.LSHR, 8).and((short) 15).add((short) 16, VectorMask.fromLong(S, w.get(LE_INT, mo + 4) & 0xFFFFFFFFL));
                ShortVector n1 = v.lanewise(VectorOperators.LSHR, 4).and((short) 15).add((short) 16, VectorMask.fromLong(S, w.get(LE_INT, mo + 8) & 0xFFFFFFFFL));
                ShortVector n3 = v.lanewise(VectorOperators.LSHR, 12).add((short) 16, VectorMask.fromLong(S, w.get(LE_INT, mo + 12) & 0xFFFFFFFFL));
                ShortVector x0 = ShortVector.broadcast(S, xs[p]), x1 = ShortVector.broadcast(S, xs[p + 16]);
                lo0A = lo0A.add(n0.mul(x0));
                hi0A = hi0A.add(n2.mul(x0));
                lo1A = lo1A.add(n1.mul(x1));
                hi1A = hi1A.add(n3.mul(x1));
                ShortVector y0 = ShortVector.broadcast(S, xs[32 + p]), y1 = ShortVector.broadcast(S, xs[48 + p]);
                lo0B = lo0B.add(n0.mul(y0));
                hi0B = hi0B.add(n2.mul(y0));
                lo1B = lo1B.add(n1.mul(y1));
                hi1B = hi1B.add(n3.mul(y1));
            }
            FloatVector e0 = ((IntVector) h0.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e1 = ((IntVector) h0.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e2 = ((IntVector) h1.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e3 = ((IntVector) h1.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            ShortVector k0 = ShortVector.broadcast(S, q16sum[2 * (da + b)]), k1 = ShortVector.broadcast(S, q16sum[2 * (da + b) + 1]);
            lo0A = lo0A.sub(k0);
            hi0A = hi0A.sub(k0);
            lo1A = lo1A.sub(k1);
            hi1A = hi1A.sub(k1);
            FloatVector dA = FloatVector.broadcast(F, d[da + b]);
            a0 = ((FloatVector) ((IntVector) lo0A.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) lo1A.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0)).mul(dA).fma(e0, a0);
            a1 = ((FloatVector) ((IntVector) lo0A.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) lo1A.convertShape(VectorOperators.S2I, I, 1)).convertShape(VectorOperators.I2F, F, 0)).mul(dA).fma(e1, a1);
            a2 = ((FloatVector) ((IntVector) hi0A.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi1A.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0)).mul(dA).fma(e2, a2);
            a3 = ((FloatVector) ((IntVector) hi0A.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi1A.convertShape(VectorOperators.S2I, I, 1)).convertShape(VectorOperators.I2F, F, 0)).mul(dA).fma(e3, a3);
            ShortVector m0 = ShortVector.broadcast(S, q16sum[2 * (dbB + b)]), m1 = ShortVector.broadcast(S, q16sum[2 * (dbB + b) + 1]);
            lo0B = lo0B.sub(m0);
            hi0B = hi0B.sub(m0);
            lo1B = lo1B.sub(m1);
            hi1B = hi1B.sub(m1);
            FloatVector dB = FloatVector.broadcast(F, d[dbB + b]);
            b0 = ((FloatVector) ((IntVector) lo0B.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) lo1B.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0)).mul(dB).fma(e0, b0);
            b1 = ((FloatVector) ((IntVector) lo0B.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) lo1B.convertShape(VectorOperators.S2I, I, 1)).convertShape(VectorOperators.I2F, F, 0)).mul(dB).fma(e1, b1);
            b2 = ((FloatVector) ((IntVector) hi0B.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi1B.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0)).mul(dB).fma(e2, b2);
            b3 = ((FloatVector) ((IntVector) hi0B.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi1B.convertShape(VectorOperators.S2I, I, 1)).convertShape(VectorOperators.I2F, F, 0)).mul(dB).fma(e3, b3);
        }
        a0.intoArray(y, yoA);
        a1.intoArray(y, yoA + 16);
        a2.intoArray(y, yoA + 32);
        a3.intoArray(y, yoA + 48);
        b0.intoArray(y, yoB);
        b1.intoArray(y, yoB + 16);
        b2.intoArray(y, yoB + 32);
        b3.intoArray(y, yoB + 48);
    }

    private static void group(MemorySegment w, long go, int nb, byte[] q, int qo, float[] d, short[] q16sum, int db, float[] y, int yo, short[] xs) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < nb; b++) {
            long o = go + (long) GROUP_BLOCK * b;
            ShortVector h0 = ShortVector.fromMemorySegment(S, w, o, LE), h1 = ShortVector.fromMemorySegment(S, w, o + 64, LE); // before the quants (Prefetch)
            Packed.widen(q, qo + 32 * b, xs, 0, 32); // broadcasts from memory (Packed.WIDE)
            // values 0..15 and 16..31 of rows 0..31 (lo0, lo1) and of rows 32..63 (hi0, hi1)
            ShortVector lo0 = ShortVector.zero(S), lo1 = lo0, hi0 = lo0, hi1 = lo0;
            for (int p = 0; p < 16; p++) {
                ShortVector v = ByteVector.fromMemorySegment(B, w, o + QS + 64 * p, LE).reinterpretAsShorts();
                long mo = o + 128 + 16 * p;
                VectorMask<Short> mLo0 = VectorMask.fromLong(S, w.get(LE_INT, mo) & 0xFFFFFFFFL);
                VectorMask<Short> mHi0 = VectorMask.fromLong(S, w.get(LE_INT, mo + 4) & 0xFFFFFFFFL);
                VectorMask<Short> mLo1 = VectorMask.fromLong(S, w.get(LE_INT, mo + 8) & 0xFFFFFFFFL);
                VectorMask<Short> mHi1 = VectorMask.fromLong(S, w.get(LE_INT, mo + 12) & 0xFFFFFFFFL);
                ShortVector x0 = ShortVector.broadcast(S, xs[p]), x1 = ShortVector.broadcast(S, xs[p + 16]);
                lo0 = lo0.add(v.and((short) 15).add((short) 16, mLo0).mul(x0));
                hi0 = hi0.add(v.lanewise(VectorOperators.LSHR, 8).and((short) 15).add((short) 16, mHi0).mul(x0));
                lo1 = lo1.add(v.lanewise(VectorOperators.LSHR, 4).and((short) 15).add((short) 16, mLo1).mul(x1));
                hi1 = hi1.add(v.lanewise(VectorOperators.LSHR, 12).add((short) 16, mHi1).mul(x1));
            }
            ShortVector k0 = ShortVector.broadcast(S, q16sum[2 * (db + b)]), k1 = ShortVector.broadcast(S, q16sum[2 * (db + b) + 1]);
            lo0 = lo0.sub(k0);
            hi0 = hi0.sub(k0);
            lo1 = lo1.sub(k1);
            hi1 = hi1.sub(k1);
            IntVector s0 = ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0));
            IntVector s1 = ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1));
            IntVector s2 = ((IntVector) hi0.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 0));
            IntVector s3 = ((IntVector) hi0.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 1));
            // f16 → f32 as in PackedQ40
            FloatVector e0 = ((IntVector) h0.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e1 = ((IntVector) h0.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e2 = ((IntVector) h1.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e3 = ((IntVector) h1.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector dx = FloatVector.broadcast(F, d[db + b]);
            a0 = ((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0)).mul(dx).fma(e0, a0);
            a1 = ((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0)).mul(dx).fma(e1, a1);
            a2 = ((FloatVector) s2.convertShape(VectorOperators.I2F, F, 0)).mul(dx).fma(e2, a2);
            a3 = ((FloatVector) s3.convertShape(VectorOperators.I2F, F, 0)).mul(dx).fma(e3, a3);
        }
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + 16);
        a2.intoArray(y, yo + 32);
        a3.intoArray(y, yo + 48);
    }
}
