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
 * Q6_K weights repacked 64 rows to a group, as {@link PackedQ40}: a lane of shorts holds one byte of two rows (row k
 * low, row k+32 high), and the 6-bit values are put together from a low-nibble byte and a high-bits byte in lanes.
 *
 * <p>ggml's {@code block_q6_K} (256 values, 210 bytes): {@code ql[128]} low nibbles, {@code qh[64]} high 2-bit pairs,
 * 16 int8 scales (one per 16 values), f16 {@code d}; value {@code d·sc·(q − 32)}. For half h (values 128h..) and
 * l = 0..31, {@code ql[64h+l]}, {@code ql[64h+l+32]} and {@code qh[32h+l]} make the values at 128h + l, +32, +64, +96
 * (ggml's {@code dequantize_row_q6_K}).
 *
 * <p>Layout per group of 64 rows, per super-block (13440 bytes, as the rows' own):
 * <pre>
 *   [0, 128)                    the rows' f16 d, short {@link Packed#scaleLane}(r) holding row r
 *   [128 + 64j, +64)            j = 0..15: scale j of the 64 rows (int8), row order
 *   [1152 + 192(32h + l), +192) ql[64h+l], ql[64h+l+32], qh[32h+l]: 64 bytes each, byte 2k = row r's with
 *                               {@link Packed#lane}(r) = k, byte 2k+1 = row r+32's
 * </pre>
 * (lanes in {@link Packed#lane} order: the 16-bit sums of rows 0..31, read as 16 ints, hold rows 0..15 in the low halves
 * and 16..31 in the high ones, so they and the f16 scales widen by shifts).
 * A 16-bit sum {@code Σ q·x} over 8 values (q = 0..63) may wrap, but {@code Σ (q−32)·x} lies within ±8·32·127 = 32512,
 * so subtracting {@link Activations#q8ksum8} leaves it exact; then {@code × sc} in 32 bits per 16 rows.
 */
public final class PackedQ6K {
    private PackedQ6K() {}

    private static final int ROWS = Packed.ROWS;
    private static final int BLOCK = 210, QS = 1152, GROUP_BLOCK = ROWS * BLOCK;

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
                out[o + 2 * Packed.scaleLane(r)] = in[i + 208];
                out[o + 2 * Packed.scaleLane(r) + 1] = in[i + 209];
                for (int j = 0; j < 16; j++) out[o + 128 + 64 * j + r] = in[i + 192 + j];
                int lane = o + QS + 2 * Packed.lane(r) + (r < 32 ? 0 : 1);
                for (int h = 0; h < 2; h++) {
                    for (int l = 0; l < 32; l++) {
                        int at = lane + 192 * (32 * h + l);
                        out[at] = in[i + 64 * h + l];
                        out[at + 64] = in[i + 64 * h + l + 32];
                        out[at + 128] = in[i + 128 + 32 * h + l];
                    }
                }
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
        group(w, go, nb, act.q, t * cols, act.d, act.q8ksum8, t * nb, y, yo, sums, xs);
    }


    private static void group(MemorySegment w, long go, int nb, byte[] q, int qo, float[] d, short[] sum8, int db, float[] y, int yo, short[] sums, short[] xs) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long touched = 0;
        for (int b = 0; b < nb; b++) {
            long o = go + (long) GROUP_BLOCK * b;
            touched += Prefetch.touch(w, o, QS); // the scales before the quants: reads in address order (Prefetch)
            int xb = qo + 256 * b, sb = 32 * (db + b);
            Packed.widen(q, xb, xs, 0, 256); // broadcasts from memory (Packed.WIDE)
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0; // Σ_j sc_j·Σ (q−32)·x, rows 0..15 … 48..63
            for (int h = 0; h < 2; h++) {
                for (int win = 0; win < 4; win++) {
                    // values 128h + 32p + l for l in [8win, 8win+8), p = 0..3; rows 0..31 (lo) and 32..63 (hi)
                    ShortVector lo0 = ShortVector.zero(S), lo1 = lo0, lo2 = lo0, lo3 = lo0, hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0;
                    for (int l = 8 * win; l < 8 * win + 8; l++) {
                        long at = o + QS + 192L * (32 * h + l);
                        ShortVector v1 = ByteVector.fromMemorySegment(B, w, at, LE).reinterpretAsShorts();
                        ShortVector v2 = ByteVector.fromMemorySegment(B, w, at + 64, LE).reinterpretAsShorts();
                        ShortVector v3 = ByteVector.fromMemorySegment(B, w, at + 128, LE).reinterpretAsShorts();
                        int xl = 128 * h + l;
                        ShortVector x0 = ShortVector.broadcast(S, xs[xl]), x1 = ShortVector.broadcast(S, xs[xl + 32]);
                        ShortVector x2 = ShortVector.broadcast(S, xs[xl + 64]), x3 = ShortVector.broadcast(S, xs[xl + 96]);
                        lo0 = lo0.add(v1.and((short) 0x0F).or(v3.and((short) 0x03).lanewise(VectorOperators.LSHL, 4)).mul(x0));
                        lo1 = lo1.add(v2.and((short) 0x0F).or(v3.and((short) 0x0C).lanewise(VectorOperators.LSHL, 2)).mul(x1));
                        lo2 = lo2.add(v1.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F).or(v3.and((short) 0x30)).mul(x2));
                        lo3 = lo3.add(v2.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F).or(v3.lanewise(VectorOperators.LSHR, 2).and((short) 0x30)).mul(x3));
                        ShortVector u1 = v1.lanewise(VectorOperators.LSHR, 8), u2 = v2.lanewise(VectorOperators.LSHR, 8), u3 = v3.lanewise(VectorOperators.LSHR, 8);
                        hi0 = hi0.add(u1.and((short) 0x0F).or(u3.and((short) 0x03).lanewise(VectorOperators.LSHL, 4)).mul(x0));
                        hi1 = hi1.add(u2.and((short) 0x0F).or(u3.and((short) 0x0C).lanewise(VectorOperators.LSHL, 2)).mul(x1));
                        hi2 = hi2.add(u1.lanewise(VectorOperators.LSHR, 4).or(u3.and((short) 0x30)).mul(x2));
                        hi3 = hi3.add(u2.lanewise(VectorOperators.LSHR, 4).or(u3.lanewise(VectorOperators.LSHR, 2).and((short) 0x30)).mul(x3));
                    }
                    // minus 32·Σx over each run of 8 values; sub-block j = 8h + win/2 + 2p. The sums go through memory so
                    // that the rest is one loop over p (see PackedQ2K: written out, the method neared C1's limits)
                    lo0.intoArray(sums, 0);
                    lo1.intoArray(sums, 32);
                    lo2.intoArray(sums, 64);
                    lo3.intoArray(sums, 96);
                    hi0.intoArray(sums, 128);
                    hi1.intoArray(sums, 160);
                    hi2.intoArray(sums, 192);
                    hi3.intoArray(sums, 224);
                    int e = sb + 16 * h + win; // run of values 128h + 32p + 8win: index (128h + 32p + 8win) / 8
                    for (int p = 0; p < 4; p++) {
                        ShortVector c = ShortVector.broadcast(S, sum8[e + 4 * p]);
                        // the 16-bit sums widened in place: rows 0..15 in the low halves, 16..31 in the high ones (Packed.lane)
                        IntVector l = ShortVector.fromArray(S, sums, 32 * p).sub(c).reinterpretAsInts(), u = ShortVector.fromArray(S, sums, 128 + 32 * p).sub(c).reinterpretAsInts();
                        long sc = o + 128 + 64L * (8 * h + win / 2 + 2 * p);
                        s0 = s0.add(l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.B2I, I, 0)));
                        s1 = s1.add(l.lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.B2I, I, 0)));
                        s2 = s2.add(u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 32, LE).convertShape(VectorOperators.B2I, I, 0)));
                        s3 = s3.add(u.lanewise(VectorOperators.ASHR, 16).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 48, LE).convertShape(VectorOperators.B2I, I, 0)));
                    }
                }
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
