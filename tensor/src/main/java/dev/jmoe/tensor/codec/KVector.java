package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.KQuants.QK_K;
import static dev.jmoe.tensor.codec.KQuants.f16;
import static dev.jmoe.tensor.codec.KQuants.minK4;
import static dev.jmoe.tensor.codec.KQuants.s8;
import static dev.jmoe.tensor.codec.KQuants.scaleK4;
import static dev.jmoe.tensor.codec.KQuants.u8;

import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API dot products of the K-quants with Q8_K activations. Each computes exactly the integer sums of the scalar
 * {@code dotScalar} (per sub-block Σ q·q8 in 16-bit lanes, widened to 32-bit before the 6-bit scale multiplies) and
 * combines them with the same float operations, so results are bit-identical to the scalar path.
 *
 * <p>Shapes: weights and activations are loaded as bytes into a vector of half the int width (8 or 16 lanes), widened
 * to shorts (B2S), multiplied, widened to ints (S2I, two parts). The int width is the preferred one capped at 256 bits
 * (Q2_K/Q3_K/Q6_K sub-blocks are 16 values long, so a chunk must not span two); {@code -Djmoe.vector.bits=128} selects the
 * 128-bit shape on any machine (tests run it in a forked JVM). {@code -Djmoe.vector=false} selects the scalar code ({@link KQuants#VECTOR}).
 */
final class KVector {
    private KVector() {}

    /** Int vector width in bits: {@code -Djmoe.vector.bits=128|256}, else the preferred width capped at 256. */
    static final int BITS = bits();

    // static final so C2 sees constant species (instance fields, even of a record, left the code un-intrinsified)
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    private static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static int bits() {
        int b = Integer.getInteger("jmoe.vector.bits", Math.min(256, IntVector.SPECIES_PREFERRED.vectorBitSize()));
        if (b != 128 && b != 256) throw new IllegalArgumentException("jmoe.vector.bits must be 128 or 256, not " + b);
        return b;
    }

    static boolean usable() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize() >= 128;
    }

    private static ByteVector load(MemorySegment w, long at) {
        return ByteVector.fromMemorySegment(BS, w, at, LE);
    }

    /**
     * {@code v << k} on bytes as k doublings: C2 (JDK 25, x86) left byte LSHL un-intrinsified here and the kernels ran
     * boxed, ~100× slower; byte adds compile to single instructions.
     */
    private static ByteVector shl(ByteVector v, int k) {
        for (int i = 0; i < k; i++) v = v.add(v);
        return v;
    }

    private static ShortVector widen(ByteVector b) {
        return (ShortVector) b.convertShape(VectorOperators.B2S, SS, 0);
    }

    /** Σ of the short lanes, widened to ints (parts 0 and 1) so no 16-bit overflow occurs in the reduction. */
    private static IntVector widenSum(ShortVector p) {
        return ((IntVector) p.convertShape(VectorOperators.S2I, IS, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, IS, 1));
    }

    /** Q4_K: per sub-block of 32, products (|q·q8| ≤ 15·127) summed in shorts over ≤ 4 chunks, then widened. */
    static float dotQ4K(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        int bl = BS.length();
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * Q4_KCodec.BYTES;
            int xo = xStart + i * QK_K;
            int bsi = xo / 16;
            IntVector tot = IntVector.zero(IS);
            int summs = 0;
            // the 12 scale bytes in two loads: 16 one-byte segment reads per block cost more than the vector work
            long scLo = w.get(Layouts.LE_LONG, o + 4);
            int scHi = w.get(Layouts.LE_INT, o + 12);
            for (int c = 0; c < 4; c++) {
                ShortVector lo = ShortVector.zero(SS), hi = ShortVector.zero(SS);
                for (int l = 0; l < 32; l += bl) {
                    ByteVector wb = load(w, o + 16 + 32 * c + l);
                    ByteVector a0 = ByteVector.fromArray(BS, q8, xo + 64 * c + l);
                    ByteVector a1 = ByteVector.fromArray(BS, q8, xo + 64 * c + 32 + l);
                    lo = lo.add(widen(wb.and((byte) 0xF)).mul(widen(a0)));
                    hi = hi.add(widen(wb.lanewise(VectorOperators.LSHR, 4)).mul(widen(a1)));
                }
                int sb = 2 * c;
                tot = tot.add(widenSum(lo).mul(scaleK4(scLo, scHi, sb))).add(widenSum(hi).mul(scaleK4(scLo, scHi, sb + 1)));
                summs += minK4(scLo, scHi, sb) * (x.bsums[bsi + 2 * sb] + x.bsums[bsi + 2 * sb + 1])
                        + minK4(scLo, scHi, sb + 1) * (x.bsums[bsi + 2 * sb + 2] + x.bsums[bsi + 2 * sb + 3]);
            }
            int sumi = tot.reduceLanes(VectorOperators.ADD);
            float dx = x.d[xo / QK_K];
            sum += dx * f16(w, o) * sumi - dx * f16(w, o + 2) * summs;
        }
        return sum;
    }

    /** Q5_K: as Q4_K with the fifth bit from qh; |q·q8| ≤ 31·127, at most 4 chunks summed in shorts. */
    static float dotQ5K(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        int bl = BS.length();
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * Q5_KCodec.BYTES;
            int xo = xStart + i * QK_K;
            int bsi = xo / 16;
            IntVector tot = IntVector.zero(IS);
            int summs = 0;
            for (int c = 0; c < 4; c++) {
                ShortVector lo = ShortVector.zero(SS), hi = ShortVector.zero(SS);
                for (int l = 0; l < 32; l += bl) {
                    ByteVector wb = load(w, o + 48 + 32 * c + l);
                    ByteVector hb = load(w, o + 16 + l).lanewise(VectorOperators.LSHR, 2 * c);
                    ByteVector q0 = wb.and((byte) 0xF).or(shl(hb.and((byte) 1), 4));
                    ByteVector q1 = wb.lanewise(VectorOperators.LSHR, 4).or(shl(hb.and((byte) 2), 3));
                    ByteVector a0 = ByteVector.fromArray(BS, q8, xo + 64 * c + l);
                    ByteVector a1 = ByteVector.fromArray(BS, q8, xo + 64 * c + 32 + l);
                    lo = lo.add(widen(q0).mul(widen(a0)));
                    hi = hi.add(widen(q1).mul(widen(a1)));
                }
                int sb = 2 * c;
                tot = tot.add(widenSum(lo).mul(scaleK4(w, o + 4, sb))).add(widenSum(hi).mul(scaleK4(w, o + 4, sb + 1)));
                summs += minK4(w, o + 4, sb) * (x.bsums[bsi + 2 * sb] + x.bsums[bsi + 2 * sb + 1])
                        + minK4(w, o + 4, sb + 1) * (x.bsums[bsi + 2 * sb + 2] + x.bsums[bsi + 2 * sb + 3]);
            }
            int sumi = tot.reduceLanes(VectorOperators.ADD);
            float dx = x.d[xo / QK_K];
            sum += dx * f16(w, o) * sumi - dx * f16(w, o + 2) * summs;
        }
        return sum;
    }

    /**
     * Q6_K: unsigned q ∈ [0,63] (|q·q8| ≤ 8001 fits a short); each chunk lies in one 16-value sub-block, so its widened
     * products take that sub-block's scale; the −32 offset comes back through the block sums.
     */
    static float dotQ6K(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        int bl = BS.length();
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * Q6_KCodec.BYTES;
            int xo = xStart + i * QK_K;
            int bsi = xo / 16;
            int offs = 0;
            for (int sb = 0; sb < 16; sb++) offs += s8(w, o + 192 + sb) * x.bsums[bsi + sb];
            int sumi = q6Half(w, o, 0, q8, xo) + q6Half(w, o, 1, q8, xo + 128) - 32 * offs;
            sum += x.d[xo / QK_K] * f16(w, o + 208) * sumi;
        }
        return sum;
    }

    /**
     * Σ_sb sc[sb]·Σ q·q8 over half {@code h} (128 values) of a Q6_K block, q unsigned. A method of its own that returns
     * an int: inlined into dotQ6K whole, the vector code exceeded C2's inlining budget and ran boxed (100× slower).
     */
    private static int q6Half(MemorySegment w, long o, int h, byte[] q8, int xh) {
        int bl = BS.length();
        long ql = o + 64 * h, qh = o + 128 + 32 * h;
        IntVector tot = IntVector.zero(IS);
        for (int l = 0; l < 32; l += bl) {
            ByteVector l0 = load(w, ql + l), l1 = load(w, ql + 32 + l), hb = load(w, qh + l);
            ByteVector q1 = l0.and((byte) 0xF).or(shl(hb.and((byte) 3), 4));
            ByteVector q2 = l1.and((byte) 0xF).or(shl(hb.and((byte) 0x0C), 2));
            ByteVector q3 = l0.lanewise(VectorOperators.LSHR, 4).or(hb.and((byte) 0x30));
            ByteVector q4 = l1.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30));
            long sc = o + 192 + 8 * h + l / 16;
            tot = tot.add(prod(q1, q8, xh + l).mul(s8(w, sc)))
                    .add(prod(q2, q8, xh + 32 + l).mul(s8(w, sc + 2)))
                    .add(prod(q3, q8, xh + 64 + l).mul(s8(w, sc + 4)))
                    .add(prod(q4, q8, xh + 96 + l).mul(s8(w, sc + 6)));
        }
        return tot.reduceLanes(VectorOperators.ADD);
    }

    private static IntVector prod(ByteVector q, byte[] q8, int at) {
        return widenSum(widen(q).mul(widen(ByteVector.fromArray(BS, q8, at))));
    }
    /** Q2_K: chunk of {@code qs[32h + 16k + l ..]} gives sub-blocks 8h + 2j + k (j = 0..3) through bits 2j..2j+1. */
    static float dotQ2K(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        int bl = BS.length();
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * Q2_KCodec.BYTES;
            int xo = xStart + i * QK_K;
            int bsi = xo / 16;
            IntVector tot = IntVector.zero(IS);
            int summs = 0;
            for (int sb = 0; sb < 16; sb++) summs += (u8(w, o + sb) >> 4) * x.bsums[bsi + sb];
            for (int hk = 0; hk < 4; hk++) {
                int h = hk >> 1, k = hk & 1;
                for (int l = 0; l < 16; l += bl) {
                    ByteVector qb = load(w, o + 16 + 32 * h + 16 * k + l);
                    for (int j = 0; j < 4; j++) {
                        int sb = 8 * h + 2 * j + k;
                        ByteVector q = qb.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3);
                        tot = tot.add(prod(q, q8, xo + 16 * sb + l).mul(u8(w, o + sb) & 0xF));
                    }
                }
            }
            int sumi = tot.reduceLanes(VectorOperators.ADD);
            float dx = x.d[xo / QK_K];
            sum += dx * f16(w, o + 80) * sumi - dx * f16(w, o + 82) * summs;
        }
        return sum;
    }

    /** Q3_K: as Q2_K, q = low | (hmask bit 4h+j) << 2, minus 4, in bytes. */
    static float dotQ3K(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        int bl = BS.length();
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * Q3_KCodec.BYTES;
            int xo = xStart + i * QK_K;
            IntVector tot = IntVector.zero(IS);
            for (int hk = 0; hk < 4; hk++) {
                int h = hk >> 1, k = hk & 1;
                for (int l = 0; l < 16; l += bl) {
                    ByteVector qb = load(w, o + 32 + 32 * h + 16 * k + l);
                    ByteVector hm = load(w, o + 16 * k + l);
                    for (int j = 0; j < 4; j++) {
                        int sb = 8 * h + 2 * j + k;
                        ByteVector hi = shl(hm.lanewise(VectorOperators.LSHR, 4 * h + j).and((byte) 1), 2);
                        ByteVector q = qb.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3).or(hi).sub((byte) 4);
                        tot = tot.add(prod(q, q8, xo + 16 * sb + l).mul(Q3_KCodec.scale(w, o, sb)));
                    }
                }
            }
            int sumi = tot.reduceLanes(VectorOperators.ADD);
            sum += x.d[xo / QK_K] * f16(w, o + 108) * sumi;
        }
        return sum;
    }

    /** Q8_K weights: plain int8 products. */
    static float dotQ8K(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        int bl = BS.length();
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * Q8_KCodec.BYTES;
            int xo = xStart + i * QK_K;
            IntVector tot = IntVector.zero(IS);
            for (int l = 0; l < QK_K; l += bl) tot = tot.add(prod(load(w, o + 4 + l), q8, xo + l));
            int s = tot.reduceLanes(VectorOperators.ADD);
            sum += x.d[xo / QK_K] * w.get(dev.jmoe.tensor.Layouts.LE_FLOAT, o) * s;
        }
        return sum;
    }
}
