package dev.jmoe.tensor.codec;

import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One row of a codebook ("grid") IQ type against Q8_K activations, in three passes over per-thread scratch, so that
 * no vector load waits on a store just made:
 * <ol>
 *   <li>the type reads its blocks ({@link IqGridDots}): grid indices into {@link #ix}, sign bits into {@link #sg}
 *       (bit j of long k: value 64k+j is negative), the integer scale of each 16 values into {@link #ls};</li>
 *   <li>{@link #gather8}/{@link #gather4}: the grid entries are gathered 64 values at a time, negated where their
 *       sign bit is set (and, for IQ1, shifted by their ±1 delta), and stored as signed int8 in {@link #w};</li>
 *   <li>{@link #dots}: per super-block, {@code Σ_h ls_h · Σ_{16 values} w·q} in exact 32-bit integers.</li>
 * </ol>
 * The type then combines the per-super-block sums with its float scales in its scalar reference's order, so the
 * result is bit-identical to that reference. Why passes: a gather whose index vector was stored moments before
 * waits for the store to retire (measured 0.5 GB/s a thread for IQ2_XXS); with indices written a pass earlier, the
 * same gathers read 23 GB/s.
 */
final class IqRow {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_512;
    private static final ByteVector ONES = ByteVector.broadcast(B, (byte) 1);

    private static final ThreadLocal<IqRow> LOCAL = ThreadLocal.withInitial(IqRow::new);

    /** Grid indices, up to 64 a super-block (4-byte grids; 32 for 8-byte grids). */
    int[] ix = new int[0];
    /** Sign (or, for IQ1, delta-sign) bits, 4 longs a super-block. */
    long[] sg = new long[0];
    /** Integer scale of each 16 values, 16 a super-block. */
    int[] ls = new int[0];
    /** The decoded signed int8 weights, 256 a super-block. */
    byte[] w = new byte[0];
    /** {@code Σ ls·Σ w·q} of each super-block. */
    int[] sum = new int[0];

    /** This thread's scratch, sized for {@code nb} super-blocks. */
    static IqRow of(int nb) {
        IqRow r = LOCAL.get();
        if (r.sum.length < nb) {
            r.ix = new int[64 * nb];
            r.sg = new long[4 * nb + 4];
            r.ls = new int[16 * nb];
            r.w = new byte[256 * nb];
            r.sum = new int[nb];
        }
        return r;
    }

    /** Pass 2 for 8-byte grid entries (8 values each): {@code w} = grid[ix], negated where the sign bit is set. */
    void gather8(long[] grid, int nb) {
        for (int k = 0; k < 4 * nb; k++) {
            ByteVector g = LongVector.fromArray(L, grid, 0, ix, 8 * k).reinterpretAsBytes();
            g.lanewise(VectorOperators.NEG, VectorMask.fromLong(B, sg[k])).intoArray(w, 64 * k);
        }
    }

    /** Pass 2 for 4-byte grid entries (IQ3): 16 indices a 64 values. */
    void gather4(int[] grid, int nb) {
        for (int k = 0; k < 4 * nb; k++) {
            ByteVector g = IntVector.fromArray(I, grid, 0, ix, 16 * k).reinterpretAsBytes();
            g.lanewise(VectorOperators.NEG, VectorMask.fromLong(B, sg[k])).intoArray(w, 64 * k);
        }
    }

    /**
     * Pass 2 for IQ1: {@code grid8} holds the grid times 8 and {@link #sg} the delta signs; {@code w} = 8·grid ± 1, so
     * that one integer dot gives {@code 8·Σ grid·q ± Σ q} and the type's {@code sumi + δ·sumi1} (δ = 1/8) is that
     * sum / 8, exactly.
     */
    void gatherDelta(long[] grid8, int nb) {
        for (int k = 0; k < 4 * nb; k++) {
            ByteVector g = LongVector.fromArray(L, grid8, 0, ix, 8 * k).reinterpretAsBytes();
            g.add(ONES.lanewise(VectorOperators.NEG, VectorMask.fromLong(B, sg[k]))).intoArray(w, 64 * k);
        }
    }

    /**
     * Pass 3 and the float combination of the types whose super-blocks start with their fp16 scale d (all but IQ1_M):
     * {@code Σ_b (d_w·d_x)·sum[b]}, in the order of their scalar references.
     */
    float dotsScaled(MemorySegment weights, long offset, int blockBytes, Activations x, int xStart, int nb) {
        dots(x.q, xStart, nb);
        float sumf = 0;
        for (int b = 0; b < nb; b++) sumf += Bytes.f16(weights, offset + (long) b * blockBytes) * x.d[xStart / 256 + b] * sum[b];
        return sumf;
    }

    /**
     * Pass 3: {@code sum[b] = Σ_h ls[16b+h] · Σ_{i<16} w[256b+16h+i]·q[xo+256b+16h+i]}. Products are at most
     * 62·128 in magnitude (IQ3_XXS's largest grid value), exact in 16 bits; their 16-value sums are taken in 32.
     */
    void dots(byte[] q, int xo, int nb) {
        for (int b = 0; b < nb; b++) {
            IntVector acc = IntVector.zero(I);
            for (int g = 0; g < 8; g++) {
                int at = 256 * b + 32 * g;
                ShortVector wv = (ShortVector) ByteVector.fromArray(B256, w, at).convertShape(VectorOperators.B2S, S, 0);
                ShortVector xv = (ShortVector) ByteVector.fromArray(B256, q, xo + at).convertShape(VectorOperators.B2S, S, 0);
                ShortVector p = wv.mul(xv);
                acc = acc.add(((IntVector) p.convertShape(VectorOperators.S2I, I, 0)).mul(ls[16 * b + 2 * g]))
                        .add(((IntVector) p.convertShape(VectorOperators.S2I, I, 1)).mul(ls[16 * b + 2 * g + 1]));
            }
            sum[b] = acc.reduceLanes(VectorOperators.ADD);
        }
    }
}
