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
 * Q3_K weights repacked 64 rows to a group, as {@link PackedQ2K}: a 512-bit lane of shorts holds one quant byte of two
 * rows (row k low, row k+32 high), and each value's high bit is moved next to its two low bits at pack time.
 *
 * <p>ggml's {@code block_q3_K} (256 values, 110 bytes): {@code hmask[32]}, {@code qs[64]}, 12 bytes of 6-bit scales
 * (stored +32), f16 {@code d}. Value e = 128h + 32j + 16k + l has low bits 2j..2j+1 of {@code qs[32h + 16k + l]} and
 * high bit 4h + j of {@code hmask[16k + l]}, in sub-block 8h + 2j + k; with u = low + 4·high (0..7) it is
 * {@code d·sc·(u − 4)}. Against Q8_K activations (quants x, scale d_x, sums X of each 16):
 * {@code row · x = d_x·d·Σ sc·(Σ u·x − 4·X)}.
 *
 * <p>Layout per group of 64 rows, per super-block (7296 bytes, 256 more than the rows' 7040: the scales unpacked):
 * <pre>
 *   [0, 128)              the rows' d (f16), short {@link Packed#scaleLane}(r) holding row r
 *   [128 + 64s, +64)      s = 0..15: scale s − 32 of the 64 rows (int8), row order
 *   [1152 + 192m, +192)   m = 0..31: the high bits of qs[2m] and qs[2m+1], then those two, 64 bytes each (in the
 *                         order the kernel reads them); byte 2k = row r's with {@link Packed#lane}(r) = k, byte 2k+1 =
 *                         row r+32's
 * </pre>
 * A high-bits byte holds value j's bit of qs[2m] at bit 2 + (j & 1) + 4(j >> 1), that is bits 2, 3, 6, 7 for
 * j = 0..3, and qs[2m+1]'s at bits 0, 1, 4, 5: masked with {@code 0x44} (after a shift) they land on bits 2 and 6, the third bits of
 * the 2-bit fields j = 0, 2 of a qs byte (or, shifted by 2, of j = 1, 3), so {@code u} takes one OR. A sub-block's
 * 16-bit sum {@code Σ u·x} lies within ±16·7·128 = 14336 and {@code − 4·X} keeps it within ±8192: exact. A row's value
 * is the same for any thread count, row range or batch size (FAST order: within float rounding of ggml's).
 */
public final class PackedQ3K {
    private PackedQ3K() {}

    private static final int ROWS = Packed.ROWS;
    private static final int BLOCK = 110, QS = 1152, GROUP_BLOCK = QS + 32 * 192;

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
        MemorySegment rows = MemorySegment.ofArray(in);
        int nb = rowBytes / BLOCK;
        for (int b = 0; b < nb; b++) {
            int o = GROUP_BLOCK * b;
            for (int r = 0; r < ROWS; r++) {
                int i = r * rowBytes + BLOCK * b;
                out[o + 2 * Packed.scaleLane(r)] = in[i + 108];
                out[o + 2 * Packed.scaleLane(r) + 1] = in[i + 109];
                for (int s = 0; s < 16; s++) out[o + 128 + 64 * s + r] = (byte) Q3_KCodec.scale(rows, i, s);
                int lane = o + QS + 2 * Packed.lane(r) + (r < 32 ? 0 : 1);
                for (int m = 0; m < 32; m++) {
                    int at = lane + 192 * m, high = 0;
                    for (int half = 0; half < 2; half++) { // qs[2m + half]
                        int p = 2 * m + half, h = p >> 5, u = p & 31; // qs[32h + 16k + l]: hmask[16k + l] = hmask[u]
                        out[at + 64 + 64 * half] = in[i + 32 + p];
                        int bits = ((in[i + u] & 0xFF) >> (4 * h)) & 0xF; // bit j: value j's high bit
                        for (int j = 0; j < 4; j++) {
                            if ((bits >> j & 1) != 0) high |= 1 << ((half == 0 ? 2 : 0) + (j & 1) + 4 * (j >> 1));
                        }
                    }
                    out[at] = (byte) high;
                }
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

    private static void group(MemorySegment w, long go, int nb, byte[] q, int qo, float[] d, short[] bsums, int db, float[] y, int yo, short[] xs) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0; // rows 0..15, 16..31, 32..47, 48..63
        long touched = 0;
        for (int b = 0; b < nb; b++) {
            long o = go + (long) GROUP_BLOCK * b;
            touched += Prefetch.touch(w, o, QS); // the scales before the quants: reads in address order (Prefetch)
            int xb = qo + 256 * b, bs = 16 * (db + b);
            Packed.widen(q, xb, xs, 0, 256); // broadcasts from memory (Packed.WIDE)
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0; // Σ sc·(Σ u·x − 4X)
            for (int hk = 0; hk < 4; hk++) { // qs bytes 16hk .. 16hk+15: h = hk >> 1, k = hk & 1
                // value j of rows 0..31 (lo) and 32..63 (hi)
                ShortVector lo0 = ShortVector.zero(S), lo1 = lo0, lo2 = lo0, lo3 = lo0, hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0;
                int xk = 128 * (hk >> 1) + 16 * (hk & 1);
                for (int l = 0; l < 16; l += 2) {
                    long at = o + QS + 192L * (8 * hk + l / 2);
                    ShortVector hb = ByteVector.fromMemorySegment(B, w, at, LE).reinterpretAsShorts();
                    for (int half = 0; half < 2; half++) {
                        ShortVector v = ByteVector.fromMemorySegment(B, w, at + 64 + 64 * half, LE).reinterpretAsShorts();
                        // the high bits of fields 0, 2 and of fields 1, 3 on bits 2 and 6 of each byte
                        ShortVector he = half == 0 ? hb : hb.lanewise(VectorOperators.LSHL, 2);
                        ShortVector ho = half == 0 ? hb.lanewise(VectorOperators.LSHR, 1) : hb.lanewise(VectorOperators.LSHL, 1);
                        ShortVector ua = v.and((short) 0x3333).or(he.and((short) 0x4444));                                  // u of j = 0, 2
                        ShortVector ub = v.lanewise(VectorOperators.LSHR, 2).and((short) 0x3333).or(ho.and((short) 0x4444)); // j = 1, 3
                        int xl = xk + l + half;
                        ShortVector x0 = ShortVector.broadcast(S, xs[xl]), x1 = ShortVector.broadcast(S, xs[xl + 32]);
                        ShortVector x2 = ShortVector.broadcast(S, xs[xl + 64]), x3 = ShortVector.broadcast(S, xs[xl + 96]);
                        lo0 = lo0.add(ua.and((short) 7).mul(x0));
                        lo2 = lo2.add(ua.lanewise(VectorOperators.LSHR, 4).and((short) 7).mul(x2));
                        hi0 = hi0.add(ua.lanewise(VectorOperators.LSHR, 8).and((short) 7).mul(x0));
                        hi2 = hi2.add(ua.lanewise(VectorOperators.LSHR, 12).mul(x2));
                        lo1 = lo1.add(ub.and((short) 7).mul(x1));
                        lo3 = lo3.add(ub.lanewise(VectorOperators.LSHR, 4).and((short) 7).mul(x3));
                        hi1 = hi1.add(ub.lanewise(VectorOperators.LSHR, 8).and((short) 7).mul(x1));
                        hi3 = hi3.add(ub.lanewise(VectorOperators.LSHR, 12).mul(x3));
                    }
                }
                // j's sub-block is 8h + 2j + k = s + 2j; minus 4·X in 16 bits
                int s = 8 * (hk >> 1) + (hk & 1);
                ShortVector c0 = ShortVector.broadcast(S, (short) (4 * bsums[bs + s])), c1 = ShortVector.broadcast(S, (short) (4 * bsums[bs + s + 2]));
                ShortVector c2 = ShortVector.broadcast(S, (short) (4 * bsums[bs + s + 4])), c3 = ShortVector.broadcast(S, (short) (4 * bsums[bs + s + 6]));
                lo0 = lo0.sub(c0); hi0 = hi0.sub(c0);
                lo1 = lo1.sub(c1); hi1 = hi1.sub(c1);
                lo2 = lo2.sub(c2); hi2 = hi2.sub(c2);
                lo3 = lo3.sub(c3); hi3 = hi3.sub(c3);
                // the 16-bit sums widened in place: rows 0..15 in the low halves, 16..31 in the high ones (Packed.lane)
                long sc = o + 128 + 64L * s; // j advances by 2 sub-blocks: 128 bytes
                s0 = s0.add(lo0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(lo1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 128, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(lo2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 256, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(lo3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 384, LE).convertShape(VectorOperators.B2I, I, 0)));
                s1 = s1.add(lo0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(lo1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 144, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(lo2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 272, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(lo3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 400, LE).convertShape(VectorOperators.B2I, I, 0)));
                s2 = s2.add(hi0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 32, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(hi1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 160, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(hi2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 288, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(hi3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 416, LE).convertShape(VectorOperators.B2I, I, 0)));
                s3 = s3.add(hi0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 48, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(hi1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 176, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(hi2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 304, LE).convertShape(VectorOperators.B2I, I, 0)))
                        .add(hi3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 432, LE).convertShape(VectorOperators.B2I, I, 0)));
            }
            // d f16 → f32 from the int view (sign and the 15 low bits moved to their float places, times 2^112): rows
            // 0..15 from the low halves (shifted up first), 16..31 from the high ones; acc += d·d_x·Σ
            IntVector h0 = IntVector.fromMemorySegment(I, w, o, LE), h1 = IntVector.fromMemorySegment(I, w, o + 64, LE); // before the quants (Prefetch)
            FloatVector dx = FloatVector.broadcast(F, d[db + b]);
            a0 = h0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).mul(dx).fma((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0), a0);
            a1 = h0.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).mul(dx).fma((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0), a1);
            a2 = h1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).mul(dx).fma((FloatVector) s2.convertShape(VectorOperators.I2F, F, 0), a2);
            a3 = h1.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).mul(dx).fma((FloatVector) s3.convertShape(VectorOperators.I2F, F, 0), a3);
        }
        if (touched == 0x5EEDL) Prefetch.sink = touched;
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + 16);
        a2.intoArray(y, yo + 32);
        a3.intoArray(y, yo + 48);
    }
}
