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
 * Q2_K weights repacked 64 rows to a group, as {@link PackedQ4K}: a 512-bit lane of shorts holds one quant byte of two
 * rows (row k low, row k+32 high), so the 2-bit × int8 products are 16-bit multiply-adds whose sums come out per row.
 *
 * <p>ggml's {@code block_q2_K} (256 values, 84 bytes): 16 bytes of sub-block scales ({@code sc} low nibble, {@code m}
 * high, 16 values each), {@code qs[64]}, f16 {@code d}, f16 {@code dmin}. Value e = 128h + 32j + 16k + l is bits
 * 2j..2j+1 of {@code qs[32h + 16k + l]}, in sub-block 8h + 2j + k; it is {@code d·sc·q − dmin·m}. Against Q8_K
 * activations (quants x, scale d_x, sums X of each 16): {@code row · x = d_x·(d·Σ sc·Σ q·x − dmin·Σ m·X)}.
 *
 * <p>Layout per group of 64 rows, per super-block (5376 bytes, as the rows' own):
 * <pre>
 *   [0, 128)          the rows' d (f16), short {@link Packed#scaleLane}(r) holding row r     [128, 256)  their dmin
 *   [256 + 64s, +64)  s = 0..15: scale byte s of the 64 rows, row order
 *   [1280 + 64p, +64) p = 0..63: byte 2k = qs[p] of row r with {@link Packed#lane}(r) = k, byte 2k+1 = row r+32's
 * </pre>
 * A sub-block's 16-bit sum {@code Σ q·x} (q = 0..3, |x| ≤ 128) lies within ±6144: exact without an offset. The odd j
 * are masked in place ({@code & 0xC}: 4q, within ±24576) to save a shift, so every sum is taken 4× (the even ones
 * by a shift of their scale) and d by ¼, which is exact. A row's value is the same for any thread count, row range or
 * batch size (FAST order: within float rounding of ggml's).
 */
public final class PackedQ2K {
    private PackedQ2K() {}

    private static final int ROWS = Packed.ROWS;
    private static final int BLOCK = 84, QS = 1280, GROUP_BLOCK = ROWS * BLOCK;

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
                out[o + sl] = in[i + 80];
                out[o + sl + 1] = in[i + 81];
                out[o + 128 + sl] = in[i + 82];
                out[o + 128 + sl + 1] = in[i + 83];
                for (int s = 0; s < 16; s++) out[o + 256 + 64 * s + r] = in[i + s];
                int lane = o + QS + 2 * Packed.lane(r) + (r < 32 ? 0 : 1);
                for (int p = 0; p < 64; p++) out[lane + 64 * p] = in[i + 16 + p];
            }
        }
    }

    /** Bytes of one group of 64 rows of {@code cols} columns. */
    static long groupBytes(int cols) {
        return (long) (cols / 256) * GROUP_BLOCK;
    }


    /**
     * Rows {@code [64g, 64g + 64)} of the packed weight (group at {@code go}) against token {@code t}: {@code y[yo..yo+64)};
     * {@code sums}: the calling thread's scratch of 256 shorts ({@link Packed#rows}).
     */
    static void group(MemorySegment w, long go, int cols, Activations act, int t, float[] y, int yo, short[] sums, short[] xs) {
        int nb = cols / 256;
        group(w, go, nb, act.q, t * cols, act.d, act.bsums, t * nb, y, yo, sums, xs);
    }

    private static void group(MemorySegment w, long go, int nb, byte[] q, int qo, float[] d, short[] bsums, int db, float[] y, int yo, short[] sums, short[] xs) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0; // rows 0..15, 16..31, 32..47, 48..63
        long touched = 0;
        for (int b = 0; b < nb; b++) {
            long o = go + (long) GROUP_BLOCK * b;
            touched += Prefetch.touch(w, o, QS); // the scales before the quants: reads in address order (Prefetch)
            int xb = qo + 256 * b, bs = 16 * (db + b);
            Packed.widen(q, xb, xs, 0, 256); // broadcasts from memory (Packed.WIDE)
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0; // 4·Σ sc·Σ q·x
            IntVector m0 = s0, m1 = s0, m2 = s0, m3 = s0;                 // Σ m·X
            for (int hk = 0; hk < 4; hk++) { // h = hk >> 1, k = hk & 1: qs bytes 16hk .. 16hk+15
                // j = 0..3 (lo: rows 0..31, hi: rows 32..63); the odd j hold 4q
                ShortVector lo0 = ShortVector.zero(S), lo1 = lo0, lo2 = lo0, lo3 = lo0, hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0;
                int xk = 128 * (hk >> 1) + 16 * (hk & 1);
                for (int l = 0; l < 16; l++) {
                    ShortVector v = ByteVector.fromMemorySegment(B, w, o + QS + 64L * (16 * hk + l), LE).reinterpretAsShorts();
                    int xl = xk + l;
                    ShortVector x0 = ShortVector.broadcast(S, xs[xl]), x1 = ShortVector.broadcast(S, xs[xl + 32]);
                    ShortVector x2 = ShortVector.broadcast(S, xs[xl + 64]), x3 = ShortVector.broadcast(S, xs[xl + 96]);
                    ShortVector v4 = v.lanewise(VectorOperators.LSHR, 4), v8 = v.lanewise(VectorOperators.LSHR, 8), v12 = v.lanewise(VectorOperators.LSHR, 12);
                    lo0 = lo0.add(v.and((short) 0x3).mul(x0));
                    lo1 = lo1.add(v.and((short) 0xC).mul(x1));
                    lo2 = lo2.add(v4.and((short) 0x3).mul(x2));
                    lo3 = lo3.add(v4.and((short) 0xC).mul(x3));
                    hi0 = hi0.add(v8.and((short) 0x3).mul(x0));
                    hi1 = hi1.add(v8.and((short) 0xC).mul(x1));
                    hi2 = hi2.add(v12.and((short) 0x3).mul(x2));
                    hi3 = hi3.add(v12.and((short) 0xC).mul(x3));
                }
                // j's sub-block is 8h + 2j + k = s + 2j; its scales for the 64 rows are 128 bytes after j − 1's. The
                // sums go through memory so that the epilogue can be one loop over j: written out four times it made
                // the method too large for C1's profiling tier, and a kernel that C1 cannot profile is never handed to
                // C2 once C1's quick tier has it (seen here: Q2_K matvec stuck at 0.1 GB/s)
                lo0.intoArray(sums, 0);
                lo1.intoArray(sums, 32);
                lo2.intoArray(sums, 64);
                lo3.intoArray(sums, 96);
                hi0.intoArray(sums, 128);
                hi1.intoArray(sums, 160);
                hi2.intoArray(sums, 192);
                hi3.intoArray(sums, 224);
                int s = 8 * (hk >> 1) + (hk & 1);
                for (int j = 0; j < 4; j++) {
                    long sc = o + 256 + 64L * (s + 2 * j);
                    int x = bsums[bs + s + 2 * j], up = (j & 1) == 0 ? 2 : 0; // the even j's sums are 1×: their scales 4×
                    // the 16-bit sums widened in place: rows 0..15 in the low halves, 16..31 in the high ones (Packed.lane)
                    IntVector l = ShortVector.fromArray(S, sums, 32 * j).reinterpretAsInts(), h = ShortVector.fromArray(S, sums, 128 + 32 * j).reinterpretAsInts();
                    IntVector c = (IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    s0 = s0.add(l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(c.and(15).lanewise(VectorOperators.LSHL, up)));
                    m0 = m0.add(c.lanewise(VectorOperators.LSHR, 4).mul(x));
                    c = (IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    s1 = s1.add(l.lanewise(VectorOperators.ASHR, 16).mul(c.and(15).lanewise(VectorOperators.LSHL, up)));
                    m1 = m1.add(c.lanewise(VectorOperators.LSHR, 4).mul(x));
                    c = (IntVector) ByteVector.fromMemorySegment(B128, w, sc + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    s2 = s2.add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(c.and(15).lanewise(VectorOperators.LSHL, up)));
                    m2 = m2.add(c.lanewise(VectorOperators.LSHR, 4).mul(x));
                    c = (IntVector) ByteVector.fromMemorySegment(B128, w, sc + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    s3 = s3.add(h.lanewise(VectorOperators.ASHR, 16).mul(c.and(15).lanewise(VectorOperators.LSHL, up)));
                    m3 = m3.add(c.lanewise(VectorOperators.LSHR, 4).mul(x));
                }
            }
            // d and dmin f16 → f32 from the int view (sign and the 15 low bits moved to their float places, times
            // 2^112; d also times ¼ for the 4× sums): rows 0..15 from the low halves, 16..31 from the high ones.
            // convertShape with the constant species F (see PackedQ4K)
            IntVector dh0 = IntVector.fromMemorySegment(I, w, o, LE), dh1 = IntVector.fromMemorySegment(I, w, o + 64, LE);
            IntVector mh0 = IntVector.fromMemorySegment(I, w, o + 128, LE), mh1 = IntVector.fromMemorySegment(I, w, o + 192, LE);
            FloatVector dx = FloatVector.broadcast(F, d[db + b]);
            FloatVector e0 = dh0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p110f);
            FloatVector f0 = mh0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            a0 = e0.mul((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0)).sub(f0.mul((FloatVector) m0.convertShape(VectorOperators.I2F, F, 0))).fma(dx, a0);
            FloatVector e1 = dh0.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p110f);
            FloatVector f1 = mh0.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            a1 = e1.mul((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0)).sub(f1.mul((FloatVector) m1.convertShape(VectorOperators.I2F, F, 0))).fma(dx, a1);
            FloatVector e2 = dh1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p110f);
            FloatVector f2 = mh1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            a2 = e2.mul((FloatVector) s2.convertShape(VectorOperators.I2F, F, 0)).sub(f2.mul((FloatVector) m2.convertShape(VectorOperators.I2F, F, 0))).fma(dx, a2);
            FloatVector e3 = dh1.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p110f);
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
