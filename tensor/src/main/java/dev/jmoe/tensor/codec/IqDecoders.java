package dev.jmoe.tensor.codec;

import dev.jmoe.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pass 1 (and the gather of pass 2) of {@link IqRow} for each IQ type: its blocks read by vector ops into grid indices,
 * sign bits and 16-value scales (or, for IQ4_XS, straight into int8 values). A scalar version of this pass cost as much
 * as the gathers and the dot together (IQ2_XXS 1.5 GB/s against 3.5 on 2 threads).
 */
final class IqDecoders {
    private IqDecoders() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfLong LE_LONG = Layouts.LE_LONG;
    private static final ValueLayout.OfInt LE_INT = Layouts.LE_INT;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_512;

    // the grids as whole entries (8 values a long, 4 an int), the sign expansion and the IQ4 codebook as permute tables
    private static final long[] IQ2XXS = IqTables.raw("iq2xxs_grid");
    private static final long[] IQ2XS = IqTables.raw("iq2xs_grid");
    private static final long[] IQ2S = IqTables.raw("iq2s_grid");
    private static final int[] IQ3XXS = ints(IqTables.raw("iq3xxs_grid"));
    private static final int[] IQ3S = ints(IqTables.raw("iq3s_grid"));
    /** iq1s_grid with every value times 8 (IQ1's w = 8·grid ± 1, see {@link IqRow#gatherDelta}). */
    private static final long[] IQ1S_X8 = times8(IqTables.IQ1S_GRID);
    private static final ByteVector KSIGNS_LO = ByteVector.fromArray(B, IqTables.KSIGNS_IQ2XS, 0);
    private static final ByteVector KSIGNS_HI = ByteVector.fromArray(B, IqTables.KSIGNS_IQ2XS, 64);
    /** kvalues_iq4nl, four times (64 lanes). */
    private static final ByteVector KV_IQ4NL = ByteVector.fromArray(B, repeat(IqTables.KVALUES_IQ4NL, 4), 0);

    // lane moves
    /** IQ2_XXS's 64 bytes after d: index byte 4g+l (byte 8g+l) to lanes 0..15 / 48..63, word g (byte 8g+4..) to 16+4g. */
    private static final VectorShuffle<Byte> XXS_ORDER = VectorShuffle.fromOp(B, k -> k < 16 || k >= 48
            ? 8 * ((k < 16 ? k : k - 32) / 4) + k % 4 : 8 * ((k - 16) / 4) + 4 + k % 4);
    private static final VectorShuffle<Integer> INTS_4_TO_0 = VectorShuffle.fromOp(I, k -> (k + 4) % 16);
    /** Byte lane k → byte k/4 (and k/4 + 4): the qh byte of the k-th 8 values (IQ2_S). */
    private static final VectorShuffle<Byte> QUARTER_LANE = VectorShuffle.fromOp(B128, k -> k / 4);
    private static final VectorShuffle<Byte> QUARTER_LANE_4 = VectorShuffle.fromOp(B128, k -> 4 + k / 4);
    /** Int lane k → int k/4 (and k/4 + 4) (IQ1_S's qh words, IQ1_M's scale words). */
    private static final VectorShuffle<Integer> QUARTER_LANE_I = VectorShuffle.fromOp(I, k -> k / 4);
    private static final VectorShuffle<Integer> QUARTER_LANE_I4 = VectorShuffle.fromOp(I, k -> 4 + k / 4);
    /** Byte lane k → byte k/2 (and k/2 + 8) (IQ1_M's qh). */
    private static final VectorShuffle<Byte> HALF_LANE_B = VectorShuffle.fromOp(B128, k -> k / 2);
    private static final VectorShuffle<Byte> HALF_LANE_B8 = VectorShuffle.fromOp(B128, k -> 8 + k / 2);
    /** Byte lane k (0..31) → byte k/2: IQ1_M's qh byte of the k-th 8 values. */
    private static final VectorShuffle<Byte> HALF_LANE_B32 = VectorShuffle.fromOp(B256, k -> k / 2);
    /** Int lane k → lane k/2: one scale per 32 values to one per 16. */
    private static final VectorShuffle<Integer> HALF_LANE = VectorShuffle.fromOp(I, k -> k / 2);
    /**
     * Byte lane k of two groups' values in file order, from {@code lo || hi} (the codebook values of the low and the high
     * nibbles of 4 IQ4_XS groups' 64 bytes): value v of group j = first + k/32 is lo[16j + v] for v < 16, hi[16j + v − 16]
     * after. {@code PAIR_0}: groups 0 and 1 of the 4, {@code PAIR_1}: 2 and 3.
     */
    private static final ByteVector PAIR_0 = pairIndex(0), PAIR_1 = pairIndex(2);
    private static final VectorMask<Integer> UPPER_HALF = VectorMask.fromLong(I, 0xff00L);

    // per-lane shift counts
    private static final IntVector IOTA = IntVector.fromArray(I, lanes(k -> k), 0);
    private static final IntVector SHIFT_2 = IntVector.fromArray(I, lanes(k -> 2 * (k % 4)), 0);
    private static final IntVector SHIFT_3 = IntVector.fromArray(I, lanes(k -> 3 * (k % 4)), 0);
    private static final IntVector SHIFT_4 = IntVector.fromArray(I, lanes(k -> 4 * (k % 8)), 0);
    private static final IntVector SHIFT_4_HALF = IntVector.fromArray(I, lanes(k -> 4 * (k / 2)), 0);
    private static final IntVector SHIFT_2_HALF = IntVector.fromArray(I, lanes(k -> 2 * (k / 2)), 0);
    private static final IntVector SHIFT_8_4 = IntVector.fromArray(I, lanes(k -> k % 2 == 0 ? 8 : 4), 0);
    /** Lane k of IQ1_M's qh bytes (as spread by HALF_LANE_B32): its δ bit, 0x08 for even k, 0x80 for odd. */
    private static final ByteVector DELTA_BIT = ByteVector.fromArray(B256, bytes(k -> k % 2 == 0 ? 0x08 : 0x80), 0);

    private static int[] lanes(java.util.function.IntUnaryOperator f) {
        int[] v = new int[16];
        for (int k = 0; k < 16; k++) v[k] = f.applyAsInt(k);
        return v;
    }

    private static byte[] bytes(java.util.function.IntUnaryOperator f) {
        byte[] v = new byte[32];
        for (int k = 0; k < 32; k++) v[k] = (byte) f.applyAsInt(k);
        return v;
    }

    private static byte[] repeat(byte[] v, int times) {
        byte[] out = new byte[v.length * times];
        for (int i = 0; i < out.length; i++) out[i] = v[i % v.length];
        return out;
    }

    private static ByteVector pairIndex(int first) {
        byte[] idx = new byte[64];
        for (int k = 0; k < 64; k++) {
            int g = first + k / 32, v = k % 32;
            idx[k] = (byte) (v < 16 ? 16 * g + v : 64 + 16 * g + v - 16);
        }
        return ByteVector.fromArray(B, idx, 0);
    }

    private static int[] ints(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (int) v[i];
        return out;
    }

    private static long[] times8(byte[] grid) {
        long[] out = new long[grid.length / 8];
        for (int i = 0; i < grid.length; i++) out[i / 8] |= (long) ((8 * grid[i]) & 0xff) << (8 * (i % 8));
        return out;
    }

    /** Sixteen 4-bit scales s, nibble k for values 16k.. (IQ2_XS, IQ2_S), to {@code ls[16b + k] = 2s+1}. */
    private static void nibbleScales(long packed, int[] ls, int b) {
        IntVector words = IntVector.broadcast(I, (int) packed).blend((int) (packed >>> 32), UPPER_HALF);
        words.lanewise(VectorOperators.LSHR, SHIFT_4).and(15).lanewise(VectorOperators.LSHL, 1).add(1).intoArray(ls, 16 * b);
    }

    /**
     * From the 8 sign-and-scale words of a super-block in int lanes 0..7 of {@code aux} (IQ2_XXS, IQ3_XXS: four 7-bit
     * sign fields, expanded by ksigns_iq2xs, and a 4-bit scale s on top): its 256 sign bits to {@code sg[4b..4b+4)}
     * and its scales 2s+1 to {@code ls[16b..16b+16)}. Writes 4 longs past its own ({@link IqRow} has room); the next
     * super-block overwrites them.
     */
    private static void ksignsAndScales(IntVector aux, long[] sg, int[] ls, int b) {
        IntVector fields = aux.and(127).or(aux.lanewise(VectorOperators.LSHL, 1).and(127 << 8))
                .or(aux.lanewise(VectorOperators.LSHL, 2).and(127 << 16)).or(aux.lanewise(VectorOperators.LSHL, 3).and(127 << 24));
        fields.reinterpretAsBytes().selectFrom(KSIGNS_LO, KSIGNS_HI).reinterpretAsLongs().intoArray(sg, 4 * b);
        aux.lanewise(VectorOperators.LSHR, 28).lanewise(VectorOperators.LSHL, 1).add(1).rearrange(HALF_LANE).intoArray(ls, 16 * b);
    }

    /**
     * IQ4_XS (see {@link IQ4_XSCodec}): per 32 values 16 bytes of nibbles through the codebook (low nibbles the first
     * 16 values), and a 6-bit scale biased by 32, for both its halves.
     */
    static IqRow decodeIq4Xs(MemorySegment w, long offset, int nb) {
        IqRow r = IqRow.of(nb);
        byte[] wq = r.w;
        int[] ls = r.ls;
        for (int b = 0; b < nb; b++) {
            long o = offset + (long) b * IQ4_XSCodec.BYTES;
            for (int h = 0; h < 2; h++) {
                // 64 bytes of nibbles = 4 groups; the codebook by a two-table permute (vpermi2b: the one-table byte
                // select of a 512-bit vector is not compiled to an instruction here), then file order, two groups a vector
                ByteVector qs = ByteVector.fromMemorySegment(B, w, o + 8 + 64 * h, LE);
                ByteVector lo = qs.and((byte) 0xf).selectFrom(KV_IQ4NL, KV_IQ4NL);
                ByteVector hi = qs.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xf).selectFrom(KV_IQ4NL, KV_IQ4NL);
                PAIR_0.selectFrom(lo, hi).intoArray(wq, 256 * b + 128 * h);
                PAIR_1.selectFrom(lo, hi).intoArray(wq, 256 * b + 128 * h + 64);
            }
            // scale of 32 values ib, for both halves: 4 bits of scales_l (byte 4 + ib/2) and 2 of scales_h (bits 2ib)
            long head = w.get(LE_LONG, o);
            IntVector.broadcast(I, (int) (head >>> 32)).lanewise(VectorOperators.LSHR, SHIFT_4_HALF).and(15)
                    .or(IntVector.broadcast(I, (int) (head >>> 16)).lanewise(VectorOperators.LSHR, SHIFT_2_HALF).and(3).lanewise(VectorOperators.LSHL, 4))
                    .sub(32).intoArray(ls, 16 * b);
        }
        return r;
    }

    /** IQ2_XXS (see {@link IQ2_XXSCodec}): per 32 values 4 index bytes, then signs (4×7 bits) and a 4-bit scale. */
    static IqRow decodeIq2Xxs(MemorySegment w, long offset, int nb) {
        IqRow r = IqRow.of(nb);
        int[] ix = r.ix, ls = r.ls;
        long[] sg = r.sg;
        for (int b = 0; b < nb; b++) {
            long o = offset + (long) b * IQ2_XXSCodec.BYTES;
            // the 8 groups' 4 index bytes to lanes 0..15 and 48..63, their sign-and-scale words to int lanes 4..11
            ByteVector raw = ByteVector.fromMemorySegment(B, w, o + 2, LE).rearrange(XXS_ORDER);
            ((IntVector) raw.convertShape(VectorOperators.B2I, I, 0)).and(255).intoArray(ix, 32 * b);
            ((IntVector) raw.convertShape(VectorOperators.B2I, I, 3)).and(255).intoArray(ix, 32 * b + 16);
            ksignsAndScales(raw.reinterpretAsInts().rearrange(INTS_4_TO_0), sg, ls, b);
        }
        r.gather8(IQ2XXS, nb);
        return r;
    }

    /** IQ2_XS (see {@link IQ2_XSCodec}): 32 uint16 of a 9-bit index and 7 sign bits, then 4-bit scales per 16. */
    static IqRow decodeIq2Xs(MemorySegment w, long offset, int nb) {
        IqRow r = IqRow.of(nb);
        int[] ix = r.ix, ls = r.ls;
        long[] sg = r.sg;
        for (int b = 0; b < nb; b++) {
            long o = offset + (long) b * IQ2_XSCodec.BYTES;
            ShortVector qs = ShortVector.fromMemorySegment(S, w, o + 2, LE); // index (9 bits) | sign field (7) << 9
            ShortVector idx = qs.and((short) 511);
            ((IntVector) idx.convertShape(VectorOperators.S2I, I, 0)).intoArray(ix, 32 * b);
            ((IntVector) idx.convertShape(VectorOperators.S2I, I, 1)).intoArray(ix, 32 * b + 16);
            ByteVector fields = (ByteVector) qs.lanewise(VectorOperators.LSHR, 9).convertShape(VectorOperators.S2B, B, 0);
            fields.selectFrom(KSIGNS_LO, KSIGNS_HI).reinterpretAsLongs().intoArray(sg, 4 * b);
            nibbleScales(w.get(LE_LONG, o + 66), ls, b);
        }
        r.gather8(IQ2XS, nb);
        return r;
    }

    /** IQ2_S (see {@link IQ2_SCodec}): 10-bit indices (8 low bits + 2 from qh), explicit sign bytes, 4-bit scales. */
    static IqRow decodeIq2S(MemorySegment w, long offset, int nb) {
        IqRow r = IqRow.of(nb);
        int[] ix = r.ix, ls = r.ls;
        long[] sg = r.sg;
        for (int b = 0; b < nb; b++) {
            long o = offset + (long) b * IQ2_SCodec.BYTES;
            // index 4ib+l = qs[4ib+l] | bits 2l, 2l+1 of qh[ib] << 8
            ByteVector qh = ByteVector.fromMemorySegment(B128, w, o + 66, LE);
            for (int part = 0; part < 2; part++) {
                IntVector lo = ((IntVector) ByteVector.fromMemorySegment(B128, w, o + 2 + 16 * part, LE).convertShape(VectorOperators.B2I, I, 0)).and(255);
                IntVector hi = ((IntVector) qh.rearrange(part == 0 ? QUARTER_LANE : QUARTER_LANE_4).convertShape(VectorOperators.B2I, I, 0))
                        .lanewise(VectorOperators.LSHR, SHIFT_2).and(3).lanewise(VectorOperators.LSHL, 8);
                lo.or(hi).intoArray(ix, 32 * b + 16 * part);
            }
            for (int k = 0; k < 4; k++) sg[4 * b + k] = w.get(LE_LONG, o + 34 + 8 * k);
            nibbleScales(w.get(LE_LONG, o + 74), ls, b);
        }
        r.gather8(IQ2S, nb);
        return r;
    }

    /** IQ3_XXS (see {@link IQ3_XXSCodec}): 64 index bytes into a 4-value grid, then per 32 values signs and scale. */
    static IqRow decodeIq3Xxs(MemorySegment w, long offset, int nb) {
        IqRow r = IqRow.of(nb);
        int[] ix = r.ix, ls = r.ls;
        long[] sg = r.sg;
        for (int b = 0; b < nb; b++) {
            long o = offset + (long) b * IQ3_XXSCodec.BYTES;
            ByteVector idx = ByteVector.fromMemorySegment(B, w, o + 2, LE);
            for (int part = 0; part < 4; part++) ((IntVector) idx.convertShape(VectorOperators.B2I, I, part)).and(255).intoArray(ix, 64 * b + 16 * part);
            // the 8 sign-and-scale words (32 bytes: a 64-byte load would pass the last block's end)
            ksignsAndScales((IntVector) IntVector.fromMemorySegment(I256, w, o + 66, LE).reinterpretShape(I, 0), sg, ls, b);
        }
        r.gather4(IQ3XXS, nb);
        return r;
    }

    /** IQ3_S (see {@link IQ3_SCodec}): 9-bit indices into a 4-value grid, explicit sign bytes, 4-bit scales per 32. */
    static IqRow decodeIq3S(MemorySegment w, long offset, int nb) {
        IqRow r = IqRow.of(nb);
        int[] ix = r.ix, ls = r.ls;
        long[] sg = r.sg;
        for (int b = 0; b < nb; b++) {
            long o = offset + (long) b * IQ3_SCodec.BYTES;
            // index k = qs[k] | bit k of the 64-bit qh << 8
            ByteVector qs = ByteVector.fromMemorySegment(B, w, o + IQ3_SCodec.QS, LE);
            long qh = w.get(LE_LONG, o + IQ3_SCodec.QH);
            for (int part = 0; part < 4; part++) {
                IntVector hi = IntVector.broadcast(I, (int) (qh >>> 16 * part)).lanewise(VectorOperators.LSHR, IOTA).and(1).lanewise(VectorOperators.LSHL, 8);
                ((IntVector) qs.convertShape(VectorOperators.B2I, I, part)).and(255).or(hi).intoArray(ix, 64 * b + 16 * part);
            }
            for (int k = 0; k < 4; k++) sg[4 * b + k] = w.get(LE_LONG, o + IQ3_SCodec.SIGNS + 8 * k);
            // scale of 32 values ib: nibble ib of the 4 scale bytes, for both its halves
            IntVector.broadcast(I, w.get(LE_INT, o + IQ3_SCodec.SCALES)).lanewise(VectorOperators.LSHR, SHIFT_4_HALF).and(15)
                    .lanewise(VectorOperators.LSHL, 1).add(1).intoArray(ls, 16 * b);
        }
        r.gather4(IQ3S, nb);
        return r;
    }

    /** IQ1_S (see {@link IQ1_SCodec}): 11-bit indices, per 32 values a 3-bit scale and the δ sign. */
    static IqRow decodeIq1S(MemorySegment w, long offset, int nb) {
        IqRow r = IqRow.of(nb);
        int[] ix = r.ix, ls = r.ls;
        long[] sg = r.sg;
        for (int b = 0; b < nb; b++) {
            long o = offset + (long) b * IQ1_SCodec.BYTES;
            // index 4ib+l = qs[4ib+l] | bits 3l..3l+2 of qh[ib] << 8; qh[ib] bits 12..14: scale, bit 15: δ sign
            IntVector qh = (IntVector) ShortVector.fromMemorySegment(S128, w, o + 34, LE).convertShape(VectorOperators.S2I, I, 0);
            ByteVector qs = ByteVector.fromMemorySegment(B256, w, o + 2, LE);
            for (int part = 0; part < 2; part++) {
                IntVector hi = qh.rearrange(part == 0 ? QUARTER_LANE_I : QUARTER_LANE_I4).lanewise(VectorOperators.LSHR, SHIFT_3).and(7).lanewise(VectorOperators.LSHL, 8);
                ((IntVector) qs.convertShape(VectorOperators.B2I, I, part)).and(255).or(hi).intoArray(ix, 32 * b + 16 * part);
            }
            qh.lanewise(VectorOperators.LSHR, 12).and(7).lanewise(VectorOperators.LSHL, 1).add(1).rearrange(HALF_LANE).intoArray(ls, 16 * b);
            // δ negative: all 32 bits of its group set; two groups' ints make one long, little-endian
            qh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 31).reinterpretAsLongs().intoArray(sg, 4 * b);
        }
        r.gatherDelta(IQ1S_X8, nb);
        return r;
    }

    /** IQ1_M (see {@link IQ1_MCodec}): as IQ1_S, with 3-bit scales per 16 values and a δ sign per 8. */
    static IqRow decodeIq1M(MemorySegment w, long offset, int nb) {
        IqRow r = IqRow.of(nb);
        int[] ix = r.ix, ls = r.ls;
        long[] sg = r.sg;
        for (int b = 0; b < nb; b++) {
            long o = offset + (long) b * IQ1_MCodec.BYTES;
            // index k = qs[k] | 3 bits of qh[k/2] << 8 (bits 0..2 for even k, 4..6 for odd); δ sign: bit 3 / bit 7
            ByteVector qh = ByteVector.fromMemorySegment(B128, w, o + 32, LE);
            ByteVector qs = ByteVector.fromMemorySegment(B256, w, o, LE);
            for (int part = 0; part < 2; part++) {
                IntVector hi = ((IntVector) qh.rearrange(part == 0 ? HALF_LANE_B : HALF_LANE_B8).convertShape(VectorOperators.B2I, I, 0))
                        .lanewise(VectorOperators.LSHL, SHIFT_8_4).and(0x700);
                ((IntVector) qs.convertShape(VectorOperators.B2I, I, part)).and(255).or(hi).intoArray(ix, 32 * b + 16 * part);
            }
            // one byte per 8 values, 0xff where δ is negative: four of them a long, little-endian
            ByteVector perGroup = ((ByteVector) qh.reinterpretShape(B256, 0)).rearrange(HALF_LANE_B32).and(DELTA_BIT);
            perGroup.compare(VectorOperators.NE, 0).toVector().reinterpretAsLongs().intoArray(sg, 4 * b);
            // scale of 16 values k: bits 3(k%4).. of the 16-bit word k/4 at 48
            ((IntVector) LongVector.broadcast(L, w.get(LE_LONG, o + 48)).reinterpretAsShorts().convertShape(VectorOperators.S2I, I, 0))
                    .rearrange(QUARTER_LANE_I).and(0xffff).lanewise(VectorOperators.LSHR, SHIFT_3).and(7).lanewise(VectorOperators.LSHL, 1).add(1).intoArray(ls, 16 * b);
        }
        r.gatherDelta(IQ1S_X8, nb);
        return r;
    }
}
