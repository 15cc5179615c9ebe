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
 * The Q4_K and Q6_K dots on 512-bit float vectors, bit-identical to the scalar references. Q4_K
 * ({@link Q4_KCodec#dotScalar}): per super-block the integer sum
 * {@code sumi = Σ_sb sc[sb]·Σ q·q8} is formed in 16 float lanes — each lane sums 32 products of at most 15·128·63, below
 * 2^22, so every partial sum is an exact integer — then converted to int and added up exactly; the float formula after
 * it is the scalar one. Activation quants read as int8 ({@link Activations#q}) and converted in the kernel (as floats they crowd the weights out of L1). Replaces the
 * short/int form of {@link KVector} where 512-bit floats are preferred (Q4_K about 1.7×, Q6_K several times its speed).
 */
public final class KFloatKernels {
    private KFloatKernels() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;

    /** One Q4_K row (blocks of 144 bytes: d, dmin, 12 packed scale bytes, 128 bytes of nibbles). */
    public static float dotQ4_K(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] xq = x.q;
        short[] bsums = x.bsums;
        float sum = 0;
        for (int i = 0; i < n / 256; i++) {
            long o = offset + 144L * i;
            int xo = xStart + 256 * i, bs = xo / 16;
            long scLo = w.get(Layouts.LE_LONG, o + 4);
            int scHi = w.get(Layouts.LE_INT, o + 12);
            FloatVector s = FloatVector.zero(F);
            int summs = 0;
            for (int c = 0; c < 4; c++) {
                long q = o + 16 + 32L * c;
                int xc = xo + 64 * c;
                ByteVector b0 = ByteVector.fromMemorySegment(B128, w, q, LE), b1 = ByteVector.fromMemorySegment(B128, w, q + 16, LE);
                FloatVector lo = ((FloatVector) b0.and((byte) 0xf).convertShape(VectorOperators.B2F, F, 0)).mul(((FloatVector) ByteVector.fromArray(B128, xq, xc).convertShape(VectorOperators.B2F, F, 0)))
                        .add(((FloatVector) b1.and((byte) 0xf).convertShape(VectorOperators.B2F, F, 0)).mul(((FloatVector) ByteVector.fromArray(B128, xq, xc + 16).convertShape(VectorOperators.B2F, F, 0))));
                ByteVector h0 = b0.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xf);
                ByteVector h1 = b1.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xf);
                FloatVector hi = ((FloatVector) h0.convertShape(VectorOperators.B2F, F, 0)).mul(((FloatVector) ByteVector.fromArray(B128, xq, xc + 32).convertShape(VectorOperators.B2F, F, 0)))
                        .add(((FloatVector) h1.convertShape(VectorOperators.B2F, F, 0)).mul(((FloatVector) ByteVector.fromArray(B128, xq, xc + 48).convertShape(VectorOperators.B2F, F, 0))));
                int sb = 2 * c;
                s = lo.fma(FloatVector.broadcast(F, scaleK4(scLo, scHi, sb)), s);
                s = hi.fma(FloatVector.broadcast(F, scaleK4(scLo, scHi, sb + 1)), s);
                summs += minK4(scLo, scHi, sb) * (bsums[bs + 2 * sb] + bsums[bs + 2 * sb + 1])
                        + minK4(scLo, scHi, sb + 1) * (bsums[bs + 2 * sb + 2] + bsums[bs + 2 * sb + 3]);
            }
            int sumi = ((IntVector) s.convertShape(VectorOperators.F2I, I, 0)).reduceLanes(VectorOperators.ADD);
            float dx = x.d[xo / 256];
            sum += dx * Float.float16ToFloat(w.get(Layouts.LE_SHORT, o)) * sumi - dx * Float.float16ToFloat(w.get(Layouts.LE_SHORT, o + 2)) * summs;
        }
        return sum;
    }

    /**
     * One Q6_K row (blocks of 210 bytes: ql[128], qh[64], 16 int8 scales, d), bit-identical to
     * {@link Q6_KCodec#dotScalar}: {@code sumi = Σ_sb sc[sb]·(Σ q·q8 − 32·bsums[sb])} with q ∈ [0, 63]. Each 16-byte
     * load covers one sub-block of 16 values; a half block (8 sub-blocks) sums at most 8 products of 63·128·128 per
     * lane (below 2^24) before it is converted to int.
     */
    public static float dotQ6_K(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] xq = x.q;
        short[] bsums = x.bsums;
        float sum = 0;
        for (int i = 0; i < n / 256; i++) {
            long o = offset + 210L * i;
            int xo = xStart + 256 * i, bs = xo / 16;
            long sc0 = w.get(Layouts.LE_LONG, o + 192), sc1 = w.get(Layouts.LE_LONG, o + 200);
            int offs = 0;
            for (int sb = 0; sb < 16; sb++) offs += scale6(sc0, sc1, sb) * bsums[bs + sb];
            int sumi = -32 * offs;
            sumi += q6Half(w, o, 0, xq, xo, sc0, sc1) + q6Half(w, o, 1, xq, xo, sc0, sc1);
            sum += x.d[xo / 256] * Float.float16ToFloat(w.get(Layouts.LE_SHORT, o + 208)) * sumi;
        }
        return sum;
    }

    /**
     * Σ_sb sc[sb]·Σ q·q8 over half {@code h} (sub-blocks 8h..8h+7) of a Q6_K block. A method of its own returning an
     * int, with the byte shifts written out: in one method with the rest, C2 passed its node-count inlining cutoff and
     * ran the vector code boxed.
     */
    private static int q6Half(MemorySegment w, long o, int h, byte[] xq, int xo, long sc0, long sc1) {
        FloatVector s = FloatVector.zero(F);
        for (int l0 = 0; l0 < 32; l0 += 16) {
            long ql = o + 64L * h + l0;
            ByteVector a = ByteVector.fromMemorySegment(B128, w, ql, LE), b = ByteVector.fromMemorySegment(B128, w, ql + 32, LE);
            IntVector hb = ByteVector.fromMemorySegment(B128, w, o + 128 + 32L * h + l0, LE).reinterpretAsInts();
            // q = low nibble | two high bits << 4, shifted through 32-bit lanes (x86 has no byte shift) and masked
            ByteVector q1 = a.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30));
            ByteVector q2 = b.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30));
            ByteVector q3 = a.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xF).or(hb.reinterpretAsBytes().and((byte) 0x30));
            ByteVector q4 = b.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xF)
                    .or(hb.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30));
            int sb = 8 * h + (l0 >> 4); // sub-blocks sb, sb+2, sb+4, sb+6 for q1..q4
            int xs = xo + 16 * sb;
            s = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).mul(((FloatVector) ByteVector.fromArray(B128, xq, xs).convertShape(VectorOperators.B2F, F, 0)))
                    .fma(FloatVector.broadcast(F, scale6(sc0, sc1, sb)), s);
            s = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, 0)).mul(((FloatVector) ByteVector.fromArray(B128, xq, xs + 32).convertShape(VectorOperators.B2F, F, 0)))
                    .fma(FloatVector.broadcast(F, scale6(sc0, sc1, sb + 2)), s);
            s = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, 0)).mul(((FloatVector) ByteVector.fromArray(B128, xq, xs + 64).convertShape(VectorOperators.B2F, F, 0)))
                    .fma(FloatVector.broadcast(F, scale6(sc0, sc1, sb + 4)), s);
            s = ((FloatVector) q4.convertShape(VectorOperators.B2F, F, 0)).mul(((FloatVector) ByteVector.fromArray(B128, xq, xs + 96).convertShape(VectorOperators.B2F, F, 0)))
                    .fma(FloatVector.broadcast(F, scale6(sc0, sc1, sb + 6)), s);
        }
        return ((IntVector) s.convertShape(VectorOperators.F2I, I, 0)).reduceLanes(VectorOperators.ADD);
    }

    /** Signed scale {@code sb} (0..15) of a Q6_K block from its 16 scale bytes read as two longs. */
    private static int scale6(long sc0, long sc1, int sb) {
        return (byte) ((sb < 8 ? sc0 : sc1) >>> (8 * (sb & 7)));
    }
}
