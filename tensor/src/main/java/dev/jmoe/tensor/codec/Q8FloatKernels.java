package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_SHORT;

import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 and Q8_0 rows against Q8_0 activations in this library's own float order ({@link dev.jmoe.tensor.DotOrder#FAST})
 * on 512-bit vectors. The activations are quantized as llama.cpp quantizes them, so results stay within float rounding
 * of ggml's (not bit-equal: {@link Int8FloatKernels} has that order); what made the ggml-order kernels slow is gone: no
 * lane permutes, no pairwise lane adds. Both weight types decode a block into two float vectors, values 0..15 and
 * 16..31, in their natural order (Q4_0 nibbles through a 16-entry table of {@code nibble − 8}: one permute instead of
 * mask, subtract and convert).
 *
 * <p>One token ({@code rowQ*}, a row at a time so the weights stream in order, even and odd blocks in two FMA chains):
 * the int8 activations ({@link Activations#q}) are converted per block, the block's products summed exactly (small
 * integers in float) and scaled by {@code d_w·d_x}: {@code acc = fma(w_lo·x_lo + w_hi·x_hi, d_w·d_x, acc)}. Bytes,
 * not floats, and one row, not four: both measured faster for the weight stream on wide rows (4 interleaved rows cost
 * Q8_0 a third of its speed). Narrow Q4_0 rows ({@link #FLOAT_ROW_COLS}) read the floats {@code q·d_x} instead
 * ({@code rowQ40f}: {@code acc = fma(w_lo·x_lo + w_hi·x_hi, d_w, acc)}).
 *
 * <p>Batches ({@code tileQ*x4x4}, 4 rows × 4 tokens): the activations as floats ({@link Activations#qf}, {@code q·d}),
 * each decoded weight block scaled by its {@code d} once and used for 4 tokens, each activation load for 4 rows:
 * {@code acc = fma(w_lo·d, x_lo, fma(w_hi·d, x_hi, acc))}; 2.5–3× the multiply-adds per second of the ggml-order 2 × 2
 * tiles. Tokens left over (batch size mod 4) take the one-token path, so a batch's values are within float rounding
 * of token-by-token matvecs rather than equal to them; the thread count never changes them. Lane sums use a fixed
 * tree, so compiled and interpreted code give the same bits.
 */
public final class Q8FloatKernels {
    private Q8FloatKernels() {}

    /** Same condition as the ggml-order kernels: vector integer kernels on, 512-bit floats preferred. */
    public static final boolean ENABLED = Int8FloatKernels.ENABLED;
    /** Batches of at least this many tokens use the float tiles (and need {@link Activations#qf}). */
    public static final int TILE_TOKENS = 4;
    /**
     * Q4_0 rows up to this many columns take their single-token activations as floats (16 KB, in L1 beside the
     * weight stream: 15–20 % faster on Moonlight's 2048- and 1408-wide experts); wider rows read the int8 quants
     * (floats were 10–20 % slower on DeepSeek-V3's 7168- and 16384-wide rows).
     */
    public static final int FLOAT_ROW_COLS = 4096;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    /** Float bits of {@code i − 8} in lane i: selectFrom with a nibble (low 4 bits of the lane, wrapped) gives its value. */
    private static final IntVector Q4_VALUES;
    /** Lane i ↔ i ^ s for s = 8, 4, 2, 1: the pairing of the lane-sum tree ({@link #sums16x16}). */
    private static final VectorShuffle<Float> SWAP8, SWAP4, SWAP2, SWAP1;

    static {
        int[] v = new int[16];
        for (int i = 0; i < 16; i++) v[i] = Float.floatToIntBits(i - 8);
        Q4_VALUES = IntVector.fromArray(I, v, 0);
        SWAP8 = VectorShuffle.fromOp(F, i -> i ^ 8);
        SWAP4 = VectorShuffle.fromOp(F, i -> i ^ 4);
        SWAP2 = VectorShuffle.fromOp(F, i -> i ^ 2);
        SWAP1 = VectorShuffle.fromOp(F, i -> i ^ 1);
    }

    /**
     * {@link dev.jmoe.tensor.Codec#dotRows} for Q4_0 ({@code q4}) or Q8_0 in FAST order: rows {@code [r0, r1)}, tokens
     * {@code [0, nTok)}, {@code y[yOff + t*yStride + r]}; {@code act} prepared in FAST order.
     */
    public static void rows(boolean q4, MemorySegment w, long rowBytes, int r0, int r1, Activations act, int nTok, float[] y, int yOff, int yStride) {
        int n = act.length();
        int tTiles = nTok / TILE_TOKENS * TILE_TOKENS;
        int r = r0;
        if (tTiles > 0) {
            float[] s = SCRATCH.get();
            // 4 rows (4 × 4 KB at 7168 columns of Q4_0) stay in L1 while the token tiles stream past them
            for (; r + 4 <= r1; r += 4) {
                for (int t = 0; t < tTiles; t += TILE_TOKENS) {
                    if (q4) tileQ40x4x4(w, rowBytes, r, act.qf, n, t, y, yOff, yStride, s);
                    else tileQ80x4x4(w, rowBytes, r, act.qf, n, t, y, yOff, yStride, s);
                }
                for (int t = tTiles; t < nTok; t++) {
                    for (int k = r; k < r + 4; k++) y[yOff + t * yStride + k] = row(q4, w, k * rowBytes, act, t);
                }
            }
        }
        if (q4 && n <= FLOAT_ROW_COLS) {
            for (; r < r1; r++) {
                for (int t = 0; t < nTok; t++) y[yOff + t * yStride + r] = rowQ40f(w, r * rowBytes, act.qf, t * n, n);
            }
        }
        for (; r < r1; r++) {
            for (int t = 0; t < nTok; t++) y[yOff + t * yStride + r] = row(q4, w, r * rowBytes, act, t);
        }
    }

    /** One row at {@code off} against token {@code t}'s int8 quants. */
    private static float row(boolean q4, MemorySegment w, long off, Activations act, int t) {
        int n = act.length();
        return q4 ? rowQ40(w, off, act.q, t * n, act.d, t * (n / 32), n) : rowQ80(w, off, act.q, t * n, act.d, t * (n / 32), n);
    }

    /**
     * The tiles' 16 accumulators go through memory to {@link #sums16x16} (a vector passed to a method C2 does not inline
     * is boxed, and 16 calls to {@link #sum} in one tile pass its inlining cutoff): [0, 256) the accumulators, [256, 272)
     * their sums.
     */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[272]);

    /** Lanes with bit h set, h = 8, 4, 2, 1: the lanes a level of {@link #sums16x16} fills from its second vector. */
    private static final VectorMask<Float> BIT8 = VectorMask.fromLong(F, 0xFF00L), BIT4 = VectorMask.fromLong(F, 0xF0F0L),
            BIT2 = VectorMask.fromLong(F, 0xCCCCL), BIT1 = VectorMask.fromLong(F, 0xAAAAL);

    /** Lane of {@link #sums16x16}'s result holding accumulator k = 4·token + row: k's 4 bits reversed. */
    private static final int[] TILE_LANE = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};

    /** A 4 × 4 tile's outputs from its 16 accumulators in {@code s[16k, 16k+16)}, k = 4·token + row. */
    private static void tileOut(float[] s, float[] y, int yOff, int yStride, int t0, int r0) {
        sums16x16(s);
        for (int t = 0; t < 4; t++) {
            for (int r = 0; r < 4; r++) y[yOff + (t0 + t) * yStride + r0 + r] = s[256 + TILE_LANE[4 * t + r]];
        }
    }

    /**
     * The {@link #sum} of each of the 16 vectors {@code s[16k, 16k+16)}, into {@code s[256 + rev(k)]} (rev: the reversal
     * of k's 4 bits): the same tree for each, so the same bits as 16 calls, the 16 sums formed side by side. At each
     * level two vectors a, b whose lane groups of 2h hold partial sums become one whose groups of h hold the next
     * level's (lane i: a_i + a_{i+h} where bit h of i is clear, b_{i−h} + b_i where it is set): 75 vector ops instead
     * of 16 stores and 240 dependent scalar loads and adds (a sixth of dsv3-tiny's prefill went to those).
     */
    static void sums16x16(float[] s) {
        FloatVector a0 = FloatVector.fromArray(F, s, 0), b0 = FloatVector.fromArray(F, s, 16);
        FloatVector w0 = a0.blend(b0.rearrange(SWAP8), BIT8).add(b0.blend(a0.rearrange(SWAP8), BIT8.not()));
        FloatVector a1 = FloatVector.fromArray(F, s, 32), b1 = FloatVector.fromArray(F, s, 48);
        FloatVector w1 = a1.blend(b1.rearrange(SWAP8), BIT8).add(b1.blend(a1.rearrange(SWAP8), BIT8.not()));
        FloatVector a2 = FloatVector.fromArray(F, s, 64), b2 = FloatVector.fromArray(F, s, 80);
        FloatVector w2 = a2.blend(b2.rearrange(SWAP8), BIT8).add(b2.blend(a2.rearrange(SWAP8), BIT8.not()));
        FloatVector a3 = FloatVector.fromArray(F, s, 96), b3 = FloatVector.fromArray(F, s, 112);
        FloatVector w3 = a3.blend(b3.rearrange(SWAP8), BIT8).add(b3.blend(a3.rearrange(SWAP8), BIT8.not()));
        FloatVector a4 = FloatVector.fromArray(F, s, 128), b4 = FloatVector.fromArray(F, s, 144);
        FloatVector w4 = a4.blend(b4.rearrange(SWAP8), BIT8).add(b4.blend(a4.rearrange(SWAP8), BIT8.not()));
        FloatVector a5 = FloatVector.fromArray(F, s, 160), b5 = FloatVector.fromArray(F, s, 176);
        FloatVector w5 = a5.blend(b5.rearrange(SWAP8), BIT8).add(b5.blend(a5.rearrange(SWAP8), BIT8.not()));
        FloatVector a6 = FloatVector.fromArray(F, s, 192), b6 = FloatVector.fromArray(F, s, 208);
        FloatVector w6 = a6.blend(b6.rearrange(SWAP8), BIT8).add(b6.blend(a6.rearrange(SWAP8), BIT8.not()));
        FloatVector a7 = FloatVector.fromArray(F, s, 224), b7 = FloatVector.fromArray(F, s, 240);
        FloatVector w7 = a7.blend(b7.rearrange(SWAP8), BIT8).add(b7.blend(a7.rearrange(SWAP8), BIT8.not()));
        FloatVector x0 = w0.blend(w1.rearrange(SWAP4), BIT4).add(w1.blend(w0.rearrange(SWAP4), BIT4.not()));
        FloatVector x1 = w2.blend(w3.rearrange(SWAP4), BIT4).add(w3.blend(w2.rearrange(SWAP4), BIT4.not()));
        FloatVector x2 = w4.blend(w5.rearrange(SWAP4), BIT4).add(w5.blend(w4.rearrange(SWAP4), BIT4.not()));
        FloatVector x3 = w6.blend(w7.rearrange(SWAP4), BIT4).add(w7.blend(w6.rearrange(SWAP4), BIT4.not()));
        FloatVector y0 = x0.blend(x1.rearrange(SWAP2), BIT2).add(x1.blend(x0.rearrange(SWAP2), BIT2.not()));
        FloatVector y1 = x2.blend(x3.rearrange(SWAP2), BIT2).add(x3.blend(x2.rearrange(SWAP2), BIT2.not()));
        y0.blend(y1.rearrange(SWAP1), BIT1).add(y1.blend(y0.rearrange(SWAP1), BIT1.not())).intoArray(s, 256);
    }

    /** {@link dev.jmoe.tensor.Simd#sumTree} (these kernels run only where the preferred species is this 512-bit one). */
    static float sum(FloatVector v) {
        return dev.jmoe.tensor.Simd.sumTree(v);
    }

    // The kernels are written out per type and shape (generated from one template) without vector-passing helpers
    // except the final sums: C2 stops inlining small methods once a compilation passes its node-count cutoff, and a
    // vector passed to a method that is not inlined is boxed on every call.

    /** 4 rows × 4 tokens of Q4_0; see {@link #rows}. */
    private static void tileQ40x4x4(MemorySegment w, long rowBytes, int r0, float[] x, int n, int t0, float[] y, int yOff, int yStride, float[] s) {
        IntVector tbl = Q4_VALUES;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        long w0 = r0 * rowBytes;
        int x0 = t0 * n;
        for (int b = 0; b < n / 32; b++) {
            long o0 = w0 + 18L * b, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B128, w, o0 + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector d0 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o0)));
            FloatVector l0 = q0.selectFrom(tbl).reinterpretAsFloats().mul(d0), h0 = q0.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(d0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B128, w, o1 + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector d1 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o1)));
            FloatVector l1 = q1.selectFrom(tbl).reinterpretAsFloats().mul(d1), h1 = q1.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(d1);
            IntVector q2 = (IntVector) ByteVector.fromMemorySegment(B128, w, o2 + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector d2 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o2)));
            FloatVector l2 = q2.selectFrom(tbl).reinterpretAsFloats().mul(d2), h2 = q2.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(d2);
            IntVector q3 = (IntVector) ByteVector.fromMemorySegment(B128, w, o3 + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector d3 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o3)));
            FloatVector l3 = q3.selectFrom(tbl).reinterpretAsFloats().mul(d3), h3 = q3.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(d3);
            int xo0 = x0 + 32 * b;
            FloatVector xl0 = FloatVector.fromArray(F, x, xo0), xh0 = FloatVector.fromArray(F, x, xo0 + 16);
            a00 = l0.fma(xl0, h0.fma(xh0, a00)); a10 = l1.fma(xl0, h1.fma(xh0, a10)); a20 = l2.fma(xl0, h2.fma(xh0, a20)); a30 = l3.fma(xl0, h3.fma(xh0, a30));
            int xo1 = x0 + 32 * b + 1 * n;
            FloatVector xl1 = FloatVector.fromArray(F, x, xo1), xh1 = FloatVector.fromArray(F, x, xo1 + 16);
            a01 = l0.fma(xl1, h0.fma(xh1, a01)); a11 = l1.fma(xl1, h1.fma(xh1, a11)); a21 = l2.fma(xl1, h2.fma(xh1, a21)); a31 = l3.fma(xl1, h3.fma(xh1, a31));
            int xo2 = x0 + 32 * b + 2 * n;
            FloatVector xl2 = FloatVector.fromArray(F, x, xo2), xh2 = FloatVector.fromArray(F, x, xo2 + 16);
            a02 = l0.fma(xl2, h0.fma(xh2, a02)); a12 = l1.fma(xl2, h1.fma(xh2, a12)); a22 = l2.fma(xl2, h2.fma(xh2, a22)); a32 = l3.fma(xl2, h3.fma(xh2, a32));
            int xo3 = x0 + 32 * b + 3 * n;
            FloatVector xl3 = FloatVector.fromArray(F, x, xo3), xh3 = FloatVector.fromArray(F, x, xo3 + 16);
            a03 = l0.fma(xl3, h0.fma(xh3, a03)); a13 = l1.fma(xl3, h1.fma(xh3, a13)); a23 = l2.fma(xl3, h2.fma(xh3, a23)); a33 = l3.fma(xl3, h3.fma(xh3, a33));
        }
        a00.intoArray(s, 0);
        a10.intoArray(s, 16);
        a20.intoArray(s, 32);
        a30.intoArray(s, 48);
        a01.intoArray(s, 64);
        a11.intoArray(s, 80);
        a21.intoArray(s, 96);
        a31.intoArray(s, 112);
        a02.intoArray(s, 128);
        a12.intoArray(s, 144);
        a22.intoArray(s, 160);
        a32.intoArray(s, 176);
        a03.intoArray(s, 192);
        a13.intoArray(s, 208);
        a23.intoArray(s, 224);
        a33.intoArray(s, 240);
        tileOut(s, y, yOff, yStride, t0, r0);
    }

    /** 4 rows × 4 tokens of Q8_0; see {@link #rows}. */
    private static void tileQ80x4x4(MemorySegment w, long rowBytes, int r0, float[] x, int n, int t0, float[] y, int yOff, int yStride, float[] s) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        long w0 = r0 * rowBytes;
        int x0 = t0 * n;
        for (int b = 0; b < n / 32; b++) {
            long o0 = w0 + 34L * b, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
            FloatVector d0 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o0)));
            FloatVector l0 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o0 + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d0);
            FloatVector h0 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o0 + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d0);
            FloatVector d1 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o1)));
            FloatVector l1 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o1 + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d1);
            FloatVector h1 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o1 + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d1);
            FloatVector d2 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o2)));
            FloatVector l2 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o2 + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d2);
            FloatVector h2 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o2 + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d2);
            FloatVector d3 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o3)));
            FloatVector l3 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o3 + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d3);
            FloatVector h3 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o3 + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d3);
            int xo0 = x0 + 32 * b;
            FloatVector xl0 = FloatVector.fromArray(F, x, xo0), xh0 = FloatVector.fromArray(F, x, xo0 + 16);
            a00 = l0.fma(xl0, h0.fma(xh0, a00)); a10 = l1.fma(xl0, h1.fma(xh0, a10)); a20 = l2.fma(xl0, h2.fma(xh0, a20)); a30 = l3.fma(xl0, h3.fma(xh0, a30));
            int xo1 = x0 + 32 * b + 1 * n;
            FloatVector xl1 = FloatVector.fromArray(F, x, xo1), xh1 = FloatVector.fromArray(F, x, xo1 + 16);
            a01 = l0.fma(xl1, h0.fma(xh1, a01)); a11 = l1.fma(xl1, h1.fma(xh1, a11)); a21 = l2.fma(xl1, h2.fma(xh1, a21)); a31 = l3.fma(xl1, h3.fma(xh1, a31));
            int xo2 = x0 + 32 * b + 2 * n;
            FloatVector xl2 = FloatVector.fromArray(F, x, xo2), xh2 = FloatVector.fromArray(F, x, xo2 + 16);
            a02 = l0.fma(xl2, h0.fma(xh2, a02)); a12 = l1.fma(xl2, h1.fma(xh2, a12)); a22 = l2.fma(xl2, h2.fma(xh2, a22)); a32 = l3.fma(xl2, h3.fma(xh2, a32));
            int xo3 = x0 + 32 * b + 3 * n;
            FloatVector xl3 = FloatVector.fromArray(F, x, xo3), xh3 = FloatVector.fromArray(F, x, xo3 + 16);
            a03 = l0.fma(xl3, h0.fma(xh3, a03)); a13 = l1.fma(xl3, h1.fma(xh3, a13)); a23 = l2.fma(xl3, h2.fma(xh3, a23)); a33 = l3.fma(xl3, h3.fma(xh3, a33));
        }
        a00.intoArray(s, 0);
        a10.intoArray(s, 16);
        a20.intoArray(s, 32);
        a30.intoArray(s, 48);
        a01.intoArray(s, 64);
        a11.intoArray(s, 80);
        a21.intoArray(s, 96);
        a31.intoArray(s, 112);
        a02.intoArray(s, 128);
        a12.intoArray(s, 144);
        a22.intoArray(s, 160);
        a32.intoArray(s, 176);
        a03.intoArray(s, 192);
        a13.intoArray(s, 208);
        a23.intoArray(s, 224);
        a33.intoArray(s, 240);
        tileOut(s, y, yOff, yStride, t0, r0);
    }


    /**
     * One row of Q4_0 against one token's activations as floats ({@link Activations#qf}), for rows of at most
     * {@link #FLOAT_ROW_COLS}; see {@link #rows}.
     */
    private static float rowQ40f(MemorySegment w, long off, float[] x, int xo, int n) {
        IntVector tbl = Q4_VALUES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int nb = n / 32, b = 0;
        for (; b + 2 <= nb; b += 2) {
            long o = off + 18L * b;
            int xx = xo + 32 * b;
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B128, w, o + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector s0 = q0.selectFrom(tbl).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xx), q0.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(FloatVector.fromArray(F, x, xx + 16)));
            a0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o))), a0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B128, w, o + 20, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector s1 = q1.selectFrom(tbl).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xx + 32), q1.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(FloatVector.fromArray(F, x, xx + 48)));
            a1 = s1.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o + 18))), a1);
        }
        if (b < nb) {
            long o = off + 18L * b;
            int xx = xo + 32 * b;
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B128, w, o + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector s0 = q0.selectFrom(tbl).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xx), q0.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(FloatVector.fromArray(F, x, xx + 16)));
            a0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o))), a0);
        }
        return sum(a0.add(a1));
    }

    /** One row of Q4_0 against one token's int8 quants; see {@link #rows}. */
    private static float rowQ40(MemorySegment w, long off, byte[] xq, int xo, float[] xd, int xb, int n) {
        IntVector tbl = Q4_VALUES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int nb = n / 32, b = 0;
        for (; b + 2 <= nb; b += 2) {
            long o = off + 18L * b;
            int xx = xo + 32 * b;
            FloatVector xl0 = (FloatVector) ByteVector.fromArray(B128, xq, xx).convertShape(VectorOperators.B2F, F, 0);
            FloatVector xh0 = (FloatVector) ByteVector.fromArray(B128, xq, xx + 16).convertShape(VectorOperators.B2F, F, 0);
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B128, w, o + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector s0 = q0.selectFrom(tbl).reinterpretAsFloats().fma(xl0, q0.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(xh0));
            a0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o)) * xd[xb + b]), a0);
            FloatVector xl1 = (FloatVector) ByteVector.fromArray(B128, xq, xx + 32).convertShape(VectorOperators.B2F, F, 0);
            FloatVector xh1 = (FloatVector) ByteVector.fromArray(B128, xq, xx + 32 + 16).convertShape(VectorOperators.B2F, F, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B128, w, o + 18 + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector s1 = q1.selectFrom(tbl).reinterpretAsFloats().fma(xl1, q1.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(xh1));
            a1 = s1.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o + 18)) * xd[xb + b + 1]), a1);
        }
        if (b < nb) {
            long o = off + 18L * b;
            int xx = xo + 32 * b;
            FloatVector xl0 = (FloatVector) ByteVector.fromArray(B128, xq, xx).convertShape(VectorOperators.B2F, F, 0);
            FloatVector xh0 = (FloatVector) ByteVector.fromArray(B128, xq, xx + 16).convertShape(VectorOperators.B2F, F, 0);
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B128, w, o + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector s0 = q0.selectFrom(tbl).reinterpretAsFloats().fma(xl0, q0.lanewise(VectorOperators.ASHR, 4).selectFrom(tbl).reinterpretAsFloats().mul(xh0));
            a0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o)) * xd[xb + b]), a0);
        }
        return sum(a0.add(a1));
    }

    /** One row of Q8_0 against one token's int8 quants; see {@link #rows}. */
    private static float rowQ80(MemorySegment w, long off, byte[] xq, int xo, float[] xd, int xb, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int nb = n / 32, b = 0;
        for (; b + 2 <= nb; b += 2) {
            long o = off + 34L * b;
            int xx = xo + 32 * b;
            FloatVector xl0 = (FloatVector) ByteVector.fromArray(B128, xq, xx).convertShape(VectorOperators.B2F, F, 0);
            FloatVector xh0 = (FloatVector) ByteVector.fromArray(B128, xq, xx + 16).convertShape(VectorOperators.B2F, F, 0);
            FloatVector s0 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o + 2, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xl0, ((FloatVector) ByteVector.fromMemorySegment(B128, w, o + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xh0));
            a0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o)) * xd[xb + b]), a0);
            FloatVector xl1 = (FloatVector) ByteVector.fromArray(B128, xq, xx + 32).convertShape(VectorOperators.B2F, F, 0);
            FloatVector xh1 = (FloatVector) ByteVector.fromArray(B128, xq, xx + 32 + 16).convertShape(VectorOperators.B2F, F, 0);
            FloatVector s1 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o + 34 + 2, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xl1, ((FloatVector) ByteVector.fromMemorySegment(B128, w, o + 34 + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xh1));
            a1 = s1.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o + 34)) * xd[xb + b + 1]), a1);
        }
        if (b < nb) {
            long o = off + 34L * b;
            int xx = xo + 32 * b;
            FloatVector xl0 = (FloatVector) ByteVector.fromArray(B128, xq, xx).convertShape(VectorOperators.B2F, F, 0);
            FloatVector xh0 = (FloatVector) ByteVector.fromArray(B128, xq, xx + 16).convertShape(VectorOperators.B2F, F, 0);
            FloatVector s0 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o + 2, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xl0, ((FloatVector) ByteVector.fromMemorySegment(B128, w, o + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xh0));
            a0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, o)) * xd[xb + b]), a0);
        }
        return sum(a0.add(a1));
    }
}
