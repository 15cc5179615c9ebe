package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_SHORT;

import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 weights repacked 64 rows to a group, so that one 512-bit lane of shorts holds the same element of 32 rows and
 * the products of int4 weights with int8 activations are exact 16-bit integer multiply-adds, the way llama.cpp repacks
 * Q4_0 for its x86 kernels ({@code Q4_0x8}). The rows' sums come out in lanes: no lane reduction, no float work per
 * weight. 1.7–2.8× the one-row float kernels here, and, unlike them, at the machine's streaming-read bandwidth on
 * weights beyond the cache (2 threads, 512 MB: 34 GB/s against 17 for {@link Q8FloatKernels}, the stream 31–40).
 *
 * <p>Layout, per group of 64 rows, per block b of 32 columns (1152 bytes: the same size as the 64 rows' blocks in the
 * file, so a group of rows starts at the same byte offset as its first row did):
 * <pre>
 *   bytes [0, 128)            the 64 rows' f16 scales d, row order
 *   bytes [128 + 64p, +64)    p = 0..15: byte 2k = row k's byte p of the block, byte 2k+1 = row k+32's
 * </pre>
 * A block's byte p holds element p in its low nibble and element p+16 in its high nibble, both offset by 8 (ggml's
 * {@code block_q4_0}). Read as a vector of 32 shorts, lane k holds 4 nibbles: row k (elements p, p+16), row k+32 (the
 * same). Each is masked out and multiplied by the broadcast activation quant; a block's 16-bit sums {@code Σ q·x_q}
 * (q = 0..15) wrap, but {@code Σ (q−8)·x_q = Σ q·x_q − 8·Σ x_q} lies within ±32·8·127 = ±32512, so subtracting
 * {@link Activations#q8sum} in 16-bit arithmetic gives it exactly. Then {@code acc += d_w · (Σ · d_x)} in float, 16
 * rows a vector. A row's value is the same for any thread count, row range or batch size (FAST order: within float
 * rounding of ggml's, like {@link Q8FloatKernels}).
 */
public final class PackedQ40 {
    private PackedQ40() {}

    private static final int ROWS = Packed.ROWS;
    private static final int BLOCK = 18, GROUP_BLOCK = ROWS * BLOCK;

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
                int lane = o + 128 + (r < 32 ? 2 * r : 2 * (r - 32) + 1);
                for (int p = 0; p < 16; p++) out[lane + 64 * p] = in[i + 2 + p];
            }
        }
    }

    /** Bytes of one group of 64 rows of {@code cols} columns. */
    static long groupBytes(int cols) {
        return (long) (cols / 32) * GROUP_BLOCK;
    }

    /** Rows {@code [64g, 64g + 64)} of the packed weight (group at {@code go}) against token {@code t}: {@code y[yo..yo+64)}. */
    static void group(MemorySegment w, long go, int cols, Activations act, int t, float[] y, int yo, short[] xs) {
        int nb = cols / 32;
        group(w, go, nb, act.q, t * cols, act.d, act.q8sum, t * nb, y, yo, xs);
    }

    /**
     * {@link #group(MemorySegment, long, int, Activations, int, float[], int)} for tokens {@code t} and {@code t+1}
     * at once: each weight vector's nibbles are taken out once for both (a batch's tokens then cost 0.8 of one each in
     * instructions). Every token's sums run in the same order as alone, so the values are the single-token ones.
     */
    static void group2(MemorySegment w, long go, int cols, Activations act, int t, float[] y, int yoA, int yoB, short[] xs) {
        int nb = cols / 32;
        byte[] q = act.q;
        float[] d = act.d;
        short[] q8sum = act.q8sum;
        int qa = t * cols, qb = qa + cols, da = t * nb, dbB = da + nb;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int b = 0; b < nb; b++) {
            long o = go + (long) GROUP_BLOCK * b;
            int xa = qa + 32 * b, xb = qb + 32 * b;
            ShortVector h0 = ShortVector.fromMemorySegment(S, w, o, LE), h1 = ShortVector.fromMemorySegment(S, w, o + 64, LE); // before the quants (Prefetch)
            Packed.widen(q, xa, xs, 0, 32); // broadcasts from memory (Packed.WIDE)
            Packed.widen(q, xb, xs, 32, 32);
            ShortVector loA = ShortVector.zero(S), hiA = loA, loB = loA, hiB = loA;
            for (int p = 0; p < 16; p++) {
                ShortVector v = ByteVector.fromMemorySegment(B, w, o + 128 + 64 * p, LE).reinterpretAsShorts();
                ShortVector n0 = v.and((short) 15), n1 = v.lanewise(VectorOperators.LSHR, 4).and((short) 15);
                ShortVector n2 = v.lanewise(VectorOperators.LSHR, 8).and((short) 15), n3 = v.lanewise(VectorOperators.LSHR, 12);
                ShortVector x0 = ShortVector.broadcast(S, xs[p]), x1 = ShortVector.broadcast(S, xs[p + 16]);
                loA = loA.add(n0.mul(x0)).add(n1.mul(x1));
                hiA = hiA.add(n2.mul(x0)).add(n3.mul(x1));
                ShortVector y0 = ShortVector.broadcast(S, xs[32 + p]), y1 = ShortVector.broadcast(S, xs[48 + p]);
                loB = loB.add(n0.mul(y0)).add(n1.mul(y1));
                hiB = hiB.add(n2.mul(y0)).add(n3.mul(y1));
            }
            ShortVector cA = ShortVector.broadcast(S, q8sum[da + b]), cB = ShortVector.broadcast(S, q8sum[dbB + b]);
            loA = loA.sub(cA);
            hiA = hiA.sub(cA);
            loB = loB.sub(cB);
            hiB = hiB.sub(cB);
            FloatVector e0 = ((IntVector) h0.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e1 = ((IntVector) h0.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e2 = ((IntVector) h1.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e3 = ((IntVector) h1.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector dA = FloatVector.broadcast(F, d[da + b]), dB = FloatVector.broadcast(F, d[dbB + b]);
            a0 = ((FloatVector) loA.convertShape(VectorOperators.S2F, F, 0)).mul(dA).fma(e0, a0);
            a1 = ((FloatVector) loA.convertShape(VectorOperators.S2F, F, 1)).mul(dA).fma(e1, a1);
            a2 = ((FloatVector) hiA.convertShape(VectorOperators.S2F, F, 0)).mul(dA).fma(e2, a2);
            a3 = ((FloatVector) hiA.convertShape(VectorOperators.S2F, F, 1)).mul(dA).fma(e3, a3);
            b0 = ((FloatVector) loB.convertShape(VectorOperators.S2F, F, 0)).mul(dB).fma(e0, b0);
            b1 = ((FloatVector) loB.convertShape(VectorOperators.S2F, F, 1)).mul(dB).fma(e1, b1);
            b2 = ((FloatVector) hiB.convertShape(VectorOperators.S2F, F, 0)).mul(dB).fma(e2, b2);
            b3 = ((FloatVector) hiB.convertShape(VectorOperators.S2F, F, 1)).mul(dB).fma(e3, b3);
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

    /** One group of 64 rows against one token: quants {@code q[qo..]}, block scales and sums from block {@code db}. */
    private static void group(MemorySegment w, long go, int nb, byte[] q, int qo, float[] d, short[] q8sum, int db, float[] y, int yo, short[] xs) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < nb; b++) {
            long o = go + (long) GROUP_BLOCK * b;
            ShortVector h0 = ShortVector.fromMemorySegment(S, w, o, LE), h1 = ShortVector.fromMemorySegment(S, w, o + 64, LE); // before the quants (Prefetch)
            Packed.widen(q, qo + 32 * b, xs, 0, 32); // broadcasts from memory (Packed.WIDE)
            ShortVector lo = ShortVector.zero(S), hi = lo; // rows 0..31, rows 32..63
            for (int p = 0; p < 16; p++) {
                ShortVector v = ByteVector.fromMemorySegment(B, w, o + 128 + 64 * p, LE).reinterpretAsShorts();
                ShortVector x0 = ShortVector.broadcast(S, xs[p]), x1 = ShortVector.broadcast(S, xs[p + 16]);
                lo = lo.add(v.and((short) 15).mul(x0)).add(v.lanewise(VectorOperators.LSHR, 4).and((short) 15).mul(x1));
                hi = hi.add(v.lanewise(VectorOperators.LSHR, 8).and((short) 15).mul(x0)).add(v.lanewise(VectorOperators.LSHR, 12).mul(x1));
            }
            ShortVector c = ShortVector.broadcast(S, q8sum[db + b]);
            lo = lo.sub(c);
            hi = hi.sub(c);
            // f16 → f32 without a table: sign and the 15 low bits moved to their float places, times 2^112 (exact for
            // normal and subnormal halves; the files' scales are finite)
            FloatVector e0 = ((IntVector) h0.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e1 = ((IntVector) h0.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e2 = ((IntVector) h1.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e3 = ((IntVector) h1.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector dx = FloatVector.broadcast(F, d[db + b]);
            a0 = ((FloatVector) lo.convertShape(VectorOperators.S2F, F, 0)).mul(dx).fma(e0, a0);
            a1 = ((FloatVector) lo.convertShape(VectorOperators.S2F, F, 1)).mul(dx).fma(e1, a1);
            a2 = ((FloatVector) hi.convertShape(VectorOperators.S2F, F, 0)).mul(dx).fma(e2, a2);
            a3 = ((FloatVector) hi.convertShape(VectorOperators.S2F, F, 1)).mul(dx).fma(e3, a3);
        }
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + 16);
        a2.intoArray(y, yo + 32);
        a3.intoArray(y, yo + 48);
    }
}
