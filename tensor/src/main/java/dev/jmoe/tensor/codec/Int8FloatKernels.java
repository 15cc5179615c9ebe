package dev.jmoe.tensor.codec;

import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 and Q4_0 dots against Q8_0 activations with the rounding of ggml's x86 kernels (ggml_vec_dot_q8_0_q8_0 /
 * _q4_0_q8_0, AVX2 path, which llama.cpp also runs on AVX-512 machines), on 512-bit vectors. ggml forms, per block of
 * 32, 8 exact int sums — group i = values 4i..4i+3 ({@code maddubs} then {@code madd}) — converts them to float,
 * accumulates {@code acc_i = fma(d_w·d_x, group_i, acc_i)} over the blocks and ends with {@code hsum_float_8}:
 * {@code ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7))}. Matching that order matters: MoE routing turns 1e-7 differences into
 * other experts (measured on shared/models' dsv2-tiny-Q8_0: every logit equal to llama.cpp's; with another grouping the
 * first routing flip came at row 2).
 *
 * <p>Here the arithmetic is float but exact where ggml's is integer: int8 weights and activation quants are converted
 * to float, |q_w·q_x| ≤ 127·127 and sums of 4 stay far below 2^24. The 16 float lanes hold the 8 groups twice: lane
 * 2i+j (j = 0, 1) of vector A holds value 4i+j, of vector B value 4i+2+j; {@code A·xA + B·xB} followed by adding each
 * lane pair (a 32-bit rotate of the 64-bit lanes) gives group i in lanes 2i and 2i+1. The block's 32 weight values are
 * picked into A and B by one two-table byte permute each ({@code selectFrom}, vpermi2b); the activations are stored
 * in that order once per matrix product ({@link Activations#qp}, see {@link #permuteActivations}).
 *
 * <p>{@link #tileQ8_0} / {@link #tileQ4_0} compute 2 rows × 2 tokens at once for a batch: each block's weights are
 * decoded once for both tokens and each token's activations loaded once for both rows. Every (row, token) goes
 * through exactly the operations of the one-row dot, so a batch gives the bits of token-by-token matvecs.
 *
 * <p>Only where the preferred float species is 512 bits ({@link #ENABLED}); elsewhere the codecs use LegacyVector
 * (same exact block sums, another float rounding) or the scalar references.
 */
public final class Int8FloatKernels {
    private Int8FloatKernels() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    /** Value index of lane k in A and in B (indices into the block's 32 values: first table 0..15, second 16..31). */
    private static final byte[] ORDER_A = new byte[16], ORDER_B = new byte[16];
    private static final ByteVector SEL_A, SEL_B;
    /** The kernels apply: vector integer kernels on and 512-bit floats preferred. */
    public static final boolean ENABLED = dev.jmoe.tensor.Simd.INT_KERNELS && dev.jmoe.tensor.Simd.FLOATS.vectorBitSize() == 512;
    public static final int TILE_ROWS = 2, TILE_TOKENS = 2;

    static {
        for (int k = 0; k < 16; k++) {
            ORDER_A[k] = (byte) (4 * (k >> 1) + (k & 1));
            ORDER_B[k] = (byte) (4 * (k >> 1) + 2 + (k & 1));
        }
        SEL_A = ByteVector.fromArray(B128, ORDER_A, 0);
        SEL_B = ByteVector.fromArray(B128, ORDER_B, 0);
    }

    /**
     * The int8 quants {@code q[from..from+n)} in the kernels' lane order: per block of 32, the 16 values of A then the
     * 16 of B ({@code qp[32b + k] = q[32b + ORDER_A[k]]}, {@code qp[32b + 16 + k] = q[32b + ORDER_B[k]]}). Kept as bytes
     * and converted in the kernel: as floats (4× the bytes) the activations of a 7168-wide row pushed the weights'
     * stream out of L1 and a matvec ran at 6–8 instead of 10–14 GB/s per core.
     */
    public static void permuteActivations(byte[] q, byte[] qp, int from, int n) {
        for (int o = from; o < from + n; o += 32) {
            for (int k = 0; k < 16; k++) {
                qp[o + k] = q[o + ORDER_A[k]];
                qp[o + 16 + k] = q[o + ORDER_B[k]];
            }
        }
    }

    /** One Q8_0 row at {@code offset} against the activation vector starting at {@code xStart}: ggml_vec_dot_q8_0_q8_0 (AVX2). */
    public static float dotQ8_0(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] xp = x.qp;
        float[] xd = x.d;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 34L * b;
            int xo = xStart + 32 * b;
            ByteVector lwa = ByteVector.fromMemorySegment(B128, w, o + 2, LE), hwa = ByteVector.fromMemorySegment(B128, w, o + 18, LE);
            FloatVector wa = (FloatVector) SEL_A.selectFrom(lwa, hwa).convertShape(VectorOperators.B2F, F, 0);
            FloatVector wb = (FloatVector) SEL_B.selectFrom(lwa, hwa).convertShape(VectorOperators.B2F, F, 0);
            float d = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o)) * xd[xo >> 5];
            FloatVector s_acc = wa.mul(((FloatVector) ByteVector.fromArray(B128, xp, xo).convertShape(VectorOperators.B2F, F, 0))).add(wb.mul(((FloatVector) ByteVector.fromArray(B128, xp, xo + 16).convertShape(VectorOperators.B2F, F, 0))));
            acc = s_acc.add(s_acc.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d), acc);
        }
        return hsum8(acc);
    }

    /** One Q4_0 row at {@code offset} against the activation vector starting at {@code xStart}: ggml_vec_dot_q4_0_q8_0 (AVX2). */
    public static float dotQ4_0(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] xp = x.qp;
        float[] xd = x.d;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 18L * b;
            int xo = xStart + 32 * b;
            ByteVector vwa = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector vwal = vwa.and((byte) 0xf).sub((byte) 8), vwah = vwa.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xf).sub((byte) 8);
            FloatVector wa = (FloatVector) SEL_A.selectFrom(vwal, vwah).convertShape(VectorOperators.B2F, F, 0);
            FloatVector wb = (FloatVector) SEL_B.selectFrom(vwal, vwah).convertShape(VectorOperators.B2F, F, 0);
            float d = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o)) * xd[xo >> 5];
            FloatVector s_acc = wa.mul(((FloatVector) ByteVector.fromArray(B128, xp, xo).convertShape(VectorOperators.B2F, F, 0))).add(wb.mul(((FloatVector) ByteVector.fromArray(B128, xp, xo + 16).convertShape(VectorOperators.B2F, F, 0))));
            acc = s_acc.add(s_acc.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d), acc);
        }
        return hsum8(acc);
    }

    /**
     * Rows {@code r0, r0+1} × tokens {@code t0, t0+1} of a batch: {@code y[yOff + t*yStride + r]}; activation vector t
     * starts at {@code t*n}. Written out without helper methods: C2 stops inlining small methods once a compilation
     * passes its node-count cutoff (the Vector API's force-inlined internals are exempt), and a vector passed to a
     * method that is not inlined is boxed on every call.
     */
    public static void tileQ8_0(MemorySegment w, long rowBytes, int r0, Activations x, int t0, int n, float[] y, int yOff, int yStride) {
        byte[] xp = x.qp;
        float[] xd = x.d;
        int nb = n / 32;
        long off0 = r0 * rowBytes, off1 = off0 + rowBytes;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
        for (int b = 0; b < nb; b++) {
            long o = off0 + 34L * b, u = off1 + 34L * b;
            ByteVector lpa = ByteVector.fromMemorySegment(B128, w, o + 2, LE), hpa = ByteVector.fromMemorySegment(B128, w, o + 18, LE);
            FloatVector pa = (FloatVector) SEL_A.selectFrom(lpa, hpa).convertShape(VectorOperators.B2F, F, 0);
            FloatVector pb = (FloatVector) SEL_B.selectFrom(lpa, hpa).convertShape(VectorOperators.B2F, F, 0);
            ByteVector lqa = ByteVector.fromMemorySegment(B128, w, u + 2, LE), hqa = ByteVector.fromMemorySegment(B128, w, u + 18, LE);
            FloatVector qa = (FloatVector) SEL_A.selectFrom(lqa, hqa).convertShape(VectorOperators.B2F, F, 0);
            FloatVector qb = (FloatVector) SEL_B.selectFrom(lqa, hqa).convertShape(VectorOperators.B2F, F, 0);
            float d0 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o)), d1 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, u));
            int xo = t0 * n + 32 * b, xb = t0 * nb + b;
            FloatVector x0a = ((FloatVector) ByteVector.fromArray(B128, xp, xo).convertShape(VectorOperators.B2F, F, 0)), x0b = ((FloatVector) ByteVector.fromArray(B128, xp, xo + 16).convertShape(VectorOperators.B2F, F, 0));
            float dx0 = xd[xb];
            FloatVector s_a00 = pa.mul(x0a).add(pb.mul(x0b));
            a00 = s_a00.add(s_a00.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d0 * dx0), a00);
            FloatVector s_a10 = qa.mul(x0a).add(qb.mul(x0b));
            a10 = s_a10.add(s_a10.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d1 * dx0), a10);
            FloatVector x1a = ((FloatVector) ByteVector.fromArray(B128, xp, xo + n).convertShape(VectorOperators.B2F, F, 0)), x1b = ((FloatVector) ByteVector.fromArray(B128, xp, xo + n + 16).convertShape(VectorOperators.B2F, F, 0));
            float dx1 = xd[xb + nb];
            FloatVector s_a01 = pa.mul(x1a).add(pb.mul(x1b));
            a01 = s_a01.add(s_a01.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d0 * dx1), a01);
            FloatVector s_a11 = qa.mul(x1a).add(qb.mul(x1b));
            a11 = s_a11.add(s_a11.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d1 * dx1), a11);
        }
        int at = yOff + t0 * yStride + r0;
        y[at] = hsum8(a00);
        y[at + yStride] = hsum8(a01);
        y[at + 1] = hsum8(a10);
        y[at + 1 + yStride] = hsum8(a11);
    }

    /** {@link #tileQ8_0} for Q4_0. */
    public static void tileQ4_0(MemorySegment w, long rowBytes, int r0, Activations x, int t0, int n, float[] y, int yOff, int yStride) {
        byte[] xp = x.qp;
        float[] xd = x.d;
        int nb = n / 32;
        long off0 = r0 * rowBytes, off1 = off0 + rowBytes;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
        for (int b = 0; b < nb; b++) {
            long o = off0 + 18L * b, u = off1 + 18L * b;
            ByteVector vpa = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector vpal = vpa.and((byte) 0xf).sub((byte) 8), vpah = vpa.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xf).sub((byte) 8);
            FloatVector pa = (FloatVector) SEL_A.selectFrom(vpal, vpah).convertShape(VectorOperators.B2F, F, 0);
            FloatVector pb = (FloatVector) SEL_B.selectFrom(vpal, vpah).convertShape(VectorOperators.B2F, F, 0);
            ByteVector vqa = ByteVector.fromMemorySegment(B128, w, u + 2, LE);
            ByteVector vqal = vqa.and((byte) 0xf).sub((byte) 8), vqah = vqa.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xf).sub((byte) 8);
            FloatVector qa = (FloatVector) SEL_A.selectFrom(vqal, vqah).convertShape(VectorOperators.B2F, F, 0);
            FloatVector qb = (FloatVector) SEL_B.selectFrom(vqal, vqah).convertShape(VectorOperators.B2F, F, 0);
            float d0 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, o)), d1 = Float.float16ToFloat(w.get(Layouts.LE_SHORT, u));
            int xo = t0 * n + 32 * b, xb = t0 * nb + b;
            FloatVector x0a = ((FloatVector) ByteVector.fromArray(B128, xp, xo).convertShape(VectorOperators.B2F, F, 0)), x0b = ((FloatVector) ByteVector.fromArray(B128, xp, xo + 16).convertShape(VectorOperators.B2F, F, 0));
            float dx0 = xd[xb];
            FloatVector s_a00 = pa.mul(x0a).add(pb.mul(x0b));
            a00 = s_a00.add(s_a00.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d0 * dx0), a00);
            FloatVector s_a10 = qa.mul(x0a).add(qb.mul(x0b));
            a10 = s_a10.add(s_a10.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d1 * dx0), a10);
            FloatVector x1a = ((FloatVector) ByteVector.fromArray(B128, xp, xo + n).convertShape(VectorOperators.B2F, F, 0)), x1b = ((FloatVector) ByteVector.fromArray(B128, xp, xo + n + 16).convertShape(VectorOperators.B2F, F, 0));
            float dx1 = xd[xb + nb];
            FloatVector s_a01 = pa.mul(x1a).add(pb.mul(x1b));
            a01 = s_a01.add(s_a01.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d0 * dx1), a01);
            FloatVector s_a11 = qa.mul(x1a).add(qb.mul(x1b));
            a11 = s_a11.add(s_a11.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats()).fma(FloatVector.broadcast(F, d1 * dx1), a11);
        }
        int at = yOff + t0 * yStride + r0;
        y[at] = hsum8(a00);
        y[at + yStride] = hsum8(a01);
        y[at + 1] = hsum8(a10);
        y[at + 1 + yStride] = hsum8(a11);
    }

    /** {@link dev.jmoe.tensor.Codec#dotRows} for Q8_0 ({@code q4 == false}) or Q4_0. */
    public static void rows(boolean q4, MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        int n = x.length();
        int tTiles = nTok / TILE_TOKENS * TILE_TOKENS;
        int r = r0;
        if (tTiles > 0) {
            // a pair of rows (2 × 4 KB at 7168 Q4_0) stays in L1 while the token pairs stream past it
            for (; r + TILE_ROWS <= r1; r += TILE_ROWS) {
                for (int t = 0; t < tTiles; t += TILE_TOKENS) {
                    if (q4) tileQ4_0(w, rowBytes, r, x, t, n, y, yOff, yStride);
                    else tileQ8_0(w, rowBytes, r, x, t, n, y, yOff, yStride);
                }
                for (int t = tTiles; t < nTok; t++) {
                    for (int k = r; k < r + TILE_ROWS; k++) y[yOff + t * yStride + k] = dot(q4, w, k * rowBytes, x, t * n, n);
                }
            }
        }
        for (; r < r1; r++) {
            for (int t = 0; t < nTok; t++) y[yOff + t * yStride + r] = dot(q4, w, r * rowBytes, x, t * n, n);
        }
    }

    private static float dot(boolean q4, MemorySegment w, long offset, Activations x, int xStart, int n) {
        return q4 ? dotQ4_0(w, offset, x, xStart, n) : dotQ8_0(w, offset, x, xStart, n);
    }

    /** ggml's hsum_float_8 over the 8 group accumulators (lanes 0, 2, …, 14): ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)). */
    private static float hsum8(FloatVector v) {
        float a0 = v.lane(0), a1 = v.lane(2), a2 = v.lane(4), a3 = v.lane(6), a4 = v.lane(8), a5 = v.lane(10), a6 = v.lane(12), a7 = v.lane(14);
        return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
    }
}
