package dev.jmoe.tensor.codec;

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
 * Q4_K weights repacked 64 rows to a group, as {@link PackedQ40} packs Q4_0: a 512-bit lane of shorts holds the same
 * element of two rows, so the int4 × int8 products are exact 16-bit multiply-adds whose sums come out per row.
 *
 * <p>ggml's {@code block_q4_K} (256 values): f16 {@code d}, f16 {@code dmin}, 12 bytes of 6-bit sub-block scales
 * {@code sc_j} and mins {@code m_j} (j = 0..7, 32 values each), 128 bytes of nibbles — byte {@code 32c + l} holds
 * element {@code 64c + l} (sub-block 2c) low and {@code 64c + 32 + l} (sub-block 2c+1) high. A value is
 * {@code d·sc_j·q − dmin·m_j}; against Q8_K activations (quants {@code x}, scale {@code d_x}, sums {@code X_j}):
 * {@code row · x = d_x·(d·Σ_j sc_j·Σ q·x − dmin·Σ_j m_j·X_j)}, the same integer sums ggml forms.
 *
 * <p>Layout, per group of 64 rows, per super-block (9472 bytes, 256 more than the rows' 9216: the scales unpacked):
 * <pre>
 *   [0, 128)        the rows' d (f16), short {@link Packed#scaleLane}(r) holding row r    [128, 256)   their dmin
 *   [256, 768)      sc_j of the 64 rows, j-major, row order    [768, 1280)  m_j, the same
 *   [1280 + 64·(32c + l), +64)   byte 2k = byte 32c + l of row r with {@link Packed#lane}(r) = k, byte 2k+1 = row r+32's
 * </pre>
 * (lanes in {@link Packed#lane} order: the 16-bit sums of rows 0..31, read as 16 ints, hold rows 0..15 in the low halves
 * and 16..31 in the high ones, so they and the f16 scales widen by shifts).
 * A sub-block's 16-bit sum {@code Σ q·x} (q = 0..15, |x| ≤ 127) may wrap, but {@code Σ (q−8)·x} lies within ±32512,
 * so subtracting {@code 8·X_j} in 16-bit arithmetic leaves it exact; {@code 8·X_j} goes back in 32-bit. A row's value
 * is the same for any thread count, row range or batch size (FAST order: within float rounding of ggml's).
 */
public final class PackedQ4K {
    private PackedQ4K() {}

    private static final int ROWS = Packed.ROWS;
    private static final int BLOCK = 144, QS = 1280, GROUP_BLOCK = QS + 64 * 128;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
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
                int sl = 2 * Packed.scaleLane(r);
                out[o + sl] = in[i];
                out[o + sl + 1] = in[i + 1];
                out[o + 128 + sl] = in[i + 2];
                out[o + 128 + sl + 1] = in[i + 3];
                for (int j = 0; j < 8; j++) {
                    // get_scale_min_k4 of ggml-quants.c
                    int sc, m;
                    if (j < 4) {
                        sc = in[i + 4 + j] & 63;
                        m = in[i + 4 + j + 4] & 63;
                    } else {
                        sc = (in[i + 4 + j + 4] & 0xF) | (((in[i + 4 + j - 4] & 0xFF) >> 6) << 4);
                        m = ((in[i + 4 + j + 4] & 0xFF) >> 4) | (((in[i + 4 + j] & 0xFF) >> 6) << 4);
                    }
                    out[o + 256 + 64 * j + r] = (byte) sc;
                    out[o + 768 + 64 * j + r] = (byte) m;
                }
                int lane = o + QS + 2 * Packed.lane(r) + (r < 32 ? 0 : 1);
                for (int p = 0; p < 128; p++) out[lane + 64 * p] = in[i + 16 + p];
            }
        }
    }

    /** Bytes of one group of 64 rows of {@code cols} columns. */
    static long groupBytes(int cols) {
        return (long) (cols / 256) * GROUP_BLOCK;
    }

    /** Rows {@code [64g, 64g + 64)} of the packed weight (group at {@code go}) against token {@code t}: {@code y[yo..yo+64)}. */
    static void group(MemorySegment w, long go, int cols, Activations act, int t, float[] y, int yo, short[] xs) {
        int nb = cols / 256;
        group(w, go, nb, act.q, t * cols, act.d, act.bsums, t * nb, y, yo, xs);
    }

    /** One group of 64 rows against one token: quants {@code q[qo..]}, super-block scales and sums from block {@code db}. */
    private static void group(MemorySegment w, long go, int nb, byte[] q, int qo, float[] d, short[] bsums, int db, float[] y, int yo, short[] xs) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0; // rows 0..15, 16..31, 32..47, 48..63
        long touched = 0;
        for (int b = 0; b < nb; b++) {
            long o = go + (long) GROUP_BLOCK * b;
            touched += Prefetch.touch(w, o, QS); // the scales before the quants: reads in address order (Prefetch)
            int xo = qo + 256 * b, bs = 16 * (db + b);
            Packed.widen(q, xo, xs, 0, 256); // broadcasts from memory (Packed.WIDE)
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0; // Σ_j sc_j·Σ q·x
            IntVector m0 = s0, m1 = s0, m2 = s0, m3 = s0;                 // Σ_j m_j·X_j
            for (int c = 0; c < 4; c++) {
                ShortVector lo0 = ShortVector.zero(S), hi0 = lo0, lo1 = lo0, hi1 = lo0; // sub-block 2c (0) and 2c+1 (1): rows 0..31, 32..63
                long qb = o + QS + 64L * 32 * c;
                int xc = 64 * c; // in xs
                for (int l = 0; l < 32; l++) {
                    ShortVector v = ByteVector.fromMemorySegment(B, w, qb + 64 * l, LE).reinterpretAsShorts();
                    ShortVector x0 = ShortVector.broadcast(S, xs[xc + l]), x1 = ShortVector.broadcast(S, xs[xc + 32 + l]);
                    lo0 = lo0.add(v.and((short) 15).mul(x0));
                    lo1 = lo1.add(v.lanewise(VectorOperators.LSHR, 4).and((short) 15).mul(x1));
                    hi0 = hi0.add(v.lanewise(VectorOperators.LSHR, 8).and((short) 15).mul(x0));
                    hi1 = hi1.add(v.lanewise(VectorOperators.LSHR, 12).mul(x1));
                }
                int xs0 = bsums[bs + 4 * c] + bsums[bs + 4 * c + 1], xs1 = bsums[bs + 4 * c + 2] + bsums[bs + 4 * c + 3];
                ShortVector k0 = ShortVector.broadcast(S, (short) (8 * xs0)), k1 = ShortVector.broadcast(S, (short) (8 * xs1));
                lo0 = lo0.sub(k0);
                hi0 = hi0.sub(k0);
                lo1 = lo1.sub(k1);
                hi1 = hi1.sub(k1);
                // Σ q·x = (Σ (q−8)·x) + 8·X, in 32 bits; times sc_j per row; and m_j·X_j
                long sc0 = o + 256 + 64L * (2 * c), sc1 = sc0 + 64, mn0 = sc0 + 512, mn1 = sc1 + 512;
                // the 16-bit sums widened in place: rows 0..15 in the low halves, 16..31 in the high ones (Packed.lane)
                IntVector l0 = lo0.reinterpretAsInts(), h0 = hi0.reinterpretAsInts(), l1 = lo1.reinterpretAsInts(), h1 = hi1.reinterpretAsInts();
                s0 = s0.add(l0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * xs0).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc0, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                s1 = s1.add(l0.lanewise(VectorOperators.ASHR, 16).add(8 * xs0).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc0 + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                s2 = s2.add(h0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * xs0).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc0 + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                s3 = s3.add(h0.lanewise(VectorOperators.ASHR, 16).add(8 * xs0).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc0 + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                s0 = s0.add(l1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * xs1).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc1, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                s1 = s1.add(l1.lanewise(VectorOperators.ASHR, 16).add(8 * xs1).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc1 + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                s2 = s2.add(h1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * xs1).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc1 + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                s3 = s3.add(h1.lanewise(VectorOperators.ASHR, 16).add(8 * xs1).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc1 + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                m0 = m0.add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn0, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(xs0)).add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn1, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(xs1));
                m1 = m1.add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn0 + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(xs0)).add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn1 + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(xs1));
                m2 = m2.add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn0 + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(xs0)).add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn1 + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(xs1));
                m3 = m3.add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn0 + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(xs0)).add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn1 + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(xs1));
            }
            // d and dmin f16 → f32 from the int view (sign and the 15 low bits moved to their float places, times
            // 2^112): rows 0..15 from the low halves (shifted up first), 16..31 from the high ones. convertShape with
            // the constant species F: convert(I2F, 0) derives the target species at run time, and C2 then compiles it
            // to the Java fallback in some runs (as LegacyVector notes; here Q4_K 16 -> 21 GB/s)
            IntVector dh0 = IntVector.fromMemorySegment(I, w, o, LE), dh1 = IntVector.fromMemorySegment(I, w, o + 64, LE);
            IntVector mh0 = IntVector.fromMemorySegment(I, w, o + 128, LE), mh1 = IntVector.fromMemorySegment(I, w, o + 192, LE);
            FloatVector dx = FloatVector.broadcast(F, d[db + b]);
            FloatVector e0 = dh0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector f0 = mh0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            a0 = e0.mul((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0)).sub(f0.mul((FloatVector) m0.convertShape(VectorOperators.I2F, F, 0))).fma(dx, a0);
            FloatVector e1 = dh0.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector f1 = mh0.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            a1 = e1.mul((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0)).sub(f1.mul((FloatVector) m1.convertShape(VectorOperators.I2F, F, 0))).fma(dx, a1);
            FloatVector e2 = dh1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector f2 = mh1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            a2 = e2.mul((FloatVector) s2.convertShape(VectorOperators.I2F, F, 0)).sub(f2.mul((FloatVector) m2.convertShape(VectorOperators.I2F, F, 0))).fma(dx, a2);
            FloatVector e3 = dh1.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector f3 = mh1.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            a3 = e3.mul((FloatVector) s3.convertShape(VectorOperators.I2F, F, 0)).sub(f3.mul((FloatVector) m3.convertShape(VectorOperators.I2F, F, 0))).fma(dx, a3);
        }
        if (touched == 0x5EEDL) Prefetch.sink = touched;
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + 16);
        a2.intoArray(y, yo + 32);
        a3.intoArray(y, yo + 48);
    }
}
