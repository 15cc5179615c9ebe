package dev.jmoe.tensor.codec;

import dev.jmoe.tensor.Activations;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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
 *   <li>the type reads its blocks ({@link IqDecoders}): grid indices into {@link #ix}, sign bits into {@link #sg}
 *       (bit j of long k: value 64k+j is negative), the integer scale of each 16 values into {@link #ls};</li>
 *   <li>{@link #gather8}/{@link #gather4}: the grid entries are gathered 64 values at a time, negated where their
 *       sign bit is set (and, for IQ1, shifted by their ±1 delta), and stored as signed int8 in {@link #w};</li>
 *   <li>{@link #dots}: per super-block, {@code Σ_h ls_h · Σ_{16 values} w·q} in exact 32-bit integers (for a batch
 *       of tokens, {@link #widen} once per row and {@link #dotsFloat} per token: the same integers).</li>
 * </ol>
 * The type then combines the per-super-block sums with its float scales in its scalar reference's order, so the
 * result is bit-identical to that reference. Why passes: a gather whose index vector was stored moments before
 * waits for the store to retire (measured 0.5 GB/s a thread for IQ2_XXS); with indices written a pass earlier, the
 * same gathers read 23 GB/s.
 */
final class IqRow {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
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
    /** For batches: the weights times their scales as floats ({@link #widen}), and the tokens' quants as floats. */
    float[] wf = new float[0], xq = new float[0];
    /** {@link #dotsFloat4x4}'s sums. */
    int[] tile = new int[0];
    /** {@link #floatTile4x4}'s sums. */
    final float[] out16 = new float[16];
    /** The rows' super-block float scales d. */
    float[] dw = new float[0];

    /** This thread's scratch. */
    static IqRow local() {
        return LOCAL.get();
    }

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

    /** The first {@code count} activation quants as floats, in this thread's scratch (for {@link #dotsFloat}). */
    static float[] quantsAsFloats(Activations x, int count) {
        IqRow r = LOCAL.get();
        if (r.xq.length < count) r.xq = new float[count];
        for (int i = 0; i < count; i++) r.xq[i] = x.q[i];
        return r.xq;
    }

    /** This thread's super-block scale array for {@code rows} rows of {@code nb} super-blocks. */
    float[] blockScales(int nb, int rows) {
        if (dw.length < nb * rows) dw = new float[nb * rows];
        return dw;
    }

    /** For batches: {@code wf[slot][i] = w[i]·ls[i/16]} as floats (exact: at most 127·32 in magnitude, IQ4_XS's). */
    void widen(int nb, int slot) {
        int at = 256 * nb * slot;
        if (wf.length < at + 256 * nb) wf = java.util.Arrays.copyOf(wf, at + 256 * nb);
        for (int h = 0; h < 16 * nb; h++) {
            ((FloatVector) ByteVector.fromArray(B128, w, 16 * h).convertShape(VectorOperators.B2F, F, 0)).mul(ls[h]).intoArray(wf, at + 16 * h);
        }
    }

    /**
     * {@link #dots} over {@link #widen widened} row {@code slot} and quants as floats: each lane adds 16 products of at
     * most 127·32·128 = 520,192 (IQ4_XS; the grid types stay below 62·31·128), so its float sum stays below 2^24 and is
     * exact; the lanes are added as integers. So
     * {@code sum[b]} is the same integer as {@link #dots} gives, with one fused multiply-add per 16 values a token.
     */
    void dotsFloat(float[] xq, int xo, int nb, int slot) {
        int base = 256 * nb * slot;
        for (int b = 0; b < nb; b++) {
            FloatVector acc = FloatVector.zero(F);
            for (int h = 0; h < 16; h++) {
                int at = 256 * b + 16 * h;
                acc = FloatVector.fromArray(F, wf, base + at).fma(FloatVector.fromArray(F, xq, xo + at), acc);
            }
            sum[b] = ((IntVector) acc.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        }
    }

    /**
     * {@link #dotsFloat} for 4 widened rows (slots 0..3) × 4 tokens (quants at {@code xq[x0..]} … {@code xq[x3..]}) at
     * once: each 16 weights and 16 quants loaded are used four times, from L1, where one pair at a time streamed both
     * from L2. The sums, the same integers, go to {@code tile[(4·row + token)·nb + b]}.
     */
    void dotsFloat4x4(float[] xq, int x0, int x1, int x2, int x3, int nb) {
        if (tile.length < 16 * nb) tile = new int[16 * nb];
        for (int b = 0; b < nb; b++) {
            int at = 256 * b;
            tile4x4(wf, at, 256 * nb, xq, x0 + at, x1 + at, x2 + at, x3 + at, 256, null, tile, b, nb);
        }
    }

    /**
     * Float rows × tokens, FAST order (IQ4_NL's batches): rows {@code wf[k·stride ..]} (k = 0..3, already times their
     * block scales) against tokens {@code xf[x0..]} … {@code xf[x3..]} (quants times theirs), {@code n} values;
     * {@code out[4·row + token]} is the sum, each lane's FMAs then one reduction (float rounding, not ggml's order).
     */
    static void floatTile4x4(float[] wf, int stride, float[] xf, int x0, int x1, int x2, int x3, int n, float[] out) {
        tile4x4(wf, 0, stride, xf, x0, x1, x2, x3, n, out, null, 0, 1);
    }

    /**
     * The 4 × 4 tile both use: rows {@code wf[w0 + k·stride ..]} against tokens {@code xf[x0..]} … {@code xf[x3..]},
     * {@code n} values, lane-wise FMAs in order. Each pair's sum goes to {@code out[4·row + token]} (lanes added in
     * float) or, with {@code out} null, to {@code iout[(4·row + token)·ioStride + io]} (lanes made ints first, then
     * added: exact, for {@link #dotsFloat4x4}'s integer-valued sums).
     */
    private static void tile4x4(float[] wf, int w0, int stride, float[] xf, int x0, int x1, int x2, int x3, int n,
            float[] out, int[] iout, int io, int ioStride) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00; // a<row><token>
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int i = 0; i < n; i += 16) {
            FloatVector w0v = FloatVector.fromArray(F, wf, w0 + i), w1v = FloatVector.fromArray(F, wf, w0 + stride + i);
            FloatVector w2v = FloatVector.fromArray(F, wf, w0 + 2 * stride + i), w3v = FloatVector.fromArray(F, wf, w0 + 3 * stride + i);
            FloatVector x0v = FloatVector.fromArray(F, xf, x0 + i), x1v = FloatVector.fromArray(F, xf, x1 + i);
            FloatVector x2v = FloatVector.fromArray(F, xf, x2 + i), x3v = FloatVector.fromArray(F, xf, x3 + i);
            a00 = w0v.fma(x0v, a00);
            a01 = w0v.fma(x1v, a01);
            a02 = w0v.fma(x2v, a02);
            a03 = w0v.fma(x3v, a03);
            a10 = w1v.fma(x0v, a10);
            a11 = w1v.fma(x1v, a11);
            a12 = w1v.fma(x2v, a12);
            a13 = w1v.fma(x3v, a13);
            a20 = w2v.fma(x0v, a20);
            a21 = w2v.fma(x1v, a21);
            a22 = w2v.fma(x2v, a22);
            a23 = w2v.fma(x3v, a23);
            a30 = w3v.fma(x0v, a30);
            a31 = w3v.fma(x1v, a31);
            a32 = w3v.fma(x2v, a32);
            a33 = w3v.fma(x3v, a33);
        }
        if (out != null) {
            out[0] = a00.reduceLanes(VectorOperators.ADD);
            out[1] = a01.reduceLanes(VectorOperators.ADD);
            out[2] = a02.reduceLanes(VectorOperators.ADD);
            out[3] = a03.reduceLanes(VectorOperators.ADD);
            out[4] = a10.reduceLanes(VectorOperators.ADD);
            out[5] = a11.reduceLanes(VectorOperators.ADD);
            out[6] = a12.reduceLanes(VectorOperators.ADD);
            out[7] = a13.reduceLanes(VectorOperators.ADD);
            out[8] = a20.reduceLanes(VectorOperators.ADD);
            out[9] = a21.reduceLanes(VectorOperators.ADD);
            out[10] = a22.reduceLanes(VectorOperators.ADD);
            out[11] = a23.reduceLanes(VectorOperators.ADD);
            out[12] = a30.reduceLanes(VectorOperators.ADD);
            out[13] = a31.reduceLanes(VectorOperators.ADD);
            out[14] = a32.reduceLanes(VectorOperators.ADD);
            out[15] = a33.reduceLanes(VectorOperators.ADD);
            return;
        }
        iout[io] = ((IntVector) a00.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[ioStride + io] = ((IntVector) a01.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[2 * ioStride + io] = ((IntVector) a02.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[3 * ioStride + io] = ((IntVector) a03.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[4 * ioStride + io] = ((IntVector) a10.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[5 * ioStride + io] = ((IntVector) a11.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[6 * ioStride + io] = ((IntVector) a12.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[7 * ioStride + io] = ((IntVector) a13.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[8 * ioStride + io] = ((IntVector) a20.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[9 * ioStride + io] = ((IntVector) a21.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[10 * ioStride + io] = ((IntVector) a22.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[11 * ioStride + io] = ((IntVector) a23.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[12 * ioStride + io] = ((IntVector) a30.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[13 * ioStride + io] = ((IntVector) a31.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[14 * ioStride + io] = ((IntVector) a32.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        iout[15 * ioStride + io] = ((IntVector) a33.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
    }

    /** One float row against one token's floats, as {@link #floatTile4x4} does each pair. */
    static float floatDot(float[] wf, int wo, float[] xf, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < n; i += 16) acc = FloatVector.fromArray(F, wf, wo + i).fma(FloatVector.fromArray(F, xf, xo + i), acc);
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;

    /**
     * {@link #dots} for the types whose scale covers 32 values ({@code ls[2g] == ls[2g+1]}: IQ1_S, IQ2_XXS, IQ3_XXS,
     * IQ3_S, IQ4_XS): a group's two 16-value halves of products are added in 16 bits first (each product at most
     * 127·128, IQ4_XS's, so two still fit), then widened and scaled once instead of twice. The same integers as dots.
     */
    void dots32(byte[] q, int xo, int nb) {
        for (int b = 0; b < nb; b++) {
            IntVector acc = IntVector.zero(I);
            for (int g = 0; g < 8; g++) {
                int at = 256 * b + 32 * g;
                ShortVector wv = (ShortVector) ByteVector.fromArray(B256, w, at).convertShape(VectorOperators.B2S, S, 0);
                ShortVector xv = (ShortVector) ByteVector.fromArray(B256, q, xo + at).convertShape(VectorOperators.B2S, S, 0);
                ShortVector p = wv.mul(xv);
                ShortVector pair = ((ShortVector) p.reinterpretShape(S256, 0)).add((ShortVector) p.reinterpretShape(S256, 1));
                acc = acc.add(((IntVector) pair.convertShape(VectorOperators.S2I, I, 0)).mul(ls[16 * b + 2 * g]));
            }
            sum[b] = acc.reduceLanes(VectorOperators.ADD);
        }
    }

    /**
     * Pass 3: {@code sum[b] = Σ_h ls[16b+h] · Σ_{i<16} w[256b+16h+i]·q[xo+256b+16h+i]}. Products are at most
     * 127·128 in magnitude (IQ4_XS's codebook; the grids' stay below 62·128), exact in 16 bits; their 16-value sums
     * are taken in 32.
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
