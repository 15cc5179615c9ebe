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
 * Q5_K weights repacked 64 rows to a group: {@link PackedQ4K}'s layout, plus each value's fifth bit moved next to its
 * nibble at pack time.
 *
 * <p>ggml's {@code block_q5_K} (256 values, 176 bytes): f16 {@code d}, f16 {@code dmin}, 12 bytes of 6-bit sub-block
 * scales {@code sc_j} and mins {@code m_j} (as Q4_K), {@code qh[32]}, {@code qs[128]}. Byte {@code 32c + l} of qs
 * holds element {@code 64c + l} (sub-block 2c) low and {@code 64c + 32 + l} (sub-block 2c+1) high; their fifth bits
 * are bits 2c and 2c+1 of {@code qh[l]}. A value is {@code d·sc_j·q − dmin·m_j}, q = 0..31; against Q8_K activations
 * {@code row · x = d_x·(d·Σ_j sc_j·Σ q·x − dmin·Σ_j m_j·X_j)}.
 *
 * <p>Layout per group of 64 rows, per super-block (11520 bytes, 256 more than the rows' 11264: the scales unpacked):
 * <pre>
 *   [0, 1280)                         as {@link PackedQ4K}: d, dmin, sc_j, m_j
 *   [1280 + 2560c + 320g, +64)        the fifth bits of the next four lines: in row r's byte (the qs byte's place)
 *                                     bit t for the low nibble's value, bit 4 + t for the high one's
 *   [1280 + 2560c + 320g + 64 + 64t, +64)  t = 0..3: qs byte 32c + 4g + t of the rows, as {@link PackedQ4K} lays them
 * </pre>
 * Shifted by 4 − t (or right by t), the fifth bits of line t land on bit 4 of each byte, next to the nibbles, and one
 * OR makes q. A 16-bit sum over 16 values {@code Σ (q−16)·x} lies within ±16·16·127 = 32512, so the sums run over
 * half sub-blocks with {@code 16·X} of each 16 taken off, which goes back in 32 bits. A row's value is the same for
 * any thread count, row range or batch size (FAST order: within float rounding of ggml's).
 */
public final class PackedQ5K {
    private PackedQ5K() {}

    private static final int ROWS = Packed.ROWS;
    private static final int BLOCK = 176, QS = 1280, GROUP_BLOCK = QS + 4 * 2560;

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
                int sl = 2 * Packed.scaleLane(r);
                out[o + sl] = in[i];
                out[o + sl + 1] = in[i + 1];
                out[o + 128 + sl] = in[i + 2];
                out[o + 128 + sl + 1] = in[i + 3];
                for (int j = 0; j < 8; j++) {
                    out[o + 256 + 64 * j + r] = (byte) KQuants.scaleK4(rows, i + 4, j);
                    out[o + 768 + 64 * j + r] = (byte) KQuants.minK4(rows, i + 4, j);
                }
                int lane = o + QS + 2 * Packed.lane(r) + (r < 32 ? 0 : 1);
                for (int c = 0; c < 4; c++) {
                    for (int l = 0; l < 32; l++) {
                        int at = lane + 2560 * c + 320 * (l / 4), t = l % 4, qh = in[i + 16 + l] & 0xFF;
                        out[at + 64 + 64 * t] = in[i + 48 + 32 * c + l];
                        out[at] |= (byte) ((qh >> (2 * c) & 1) << t | (qh >> (2 * c + 1) & 1) << (4 + t));
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
        group(w, go, nb, act.q, t * cols, act.d, act.bsums, t * nb, y, yo, sums, xs);
    }

    /** One group of 64 rows against one token: quants {@code q[qo..]}, super-block scales and sums from block {@code db}. */
    private static void group(MemorySegment w, long go, int nb, byte[] q, int qo, float[] d, short[] bsums, int db, float[] y, int yo, short[] sums, short[] xs) {
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
                long sc0 = o + 256 + 64L * (2 * c);
                for (int hf = 0; hf < 2; hf++) { // values 64c + 16hf + i (sub-block 2c) and + 32 (2c+1), i = 0..15
                    ShortVector lo0 = ShortVector.zero(S), hi0 = lo0, lo1 = lo0, hi1 = lo0; // sub-block 2c (0), 2c+1 (1): rows 0..31, 32..63
                    int xc = 64 * c + 16 * hf;
                    for (int g = 4 * hf; g < 4 * hf + 4; g++) {
                        long at = o + QS + 2560L * c + 320L * g;
                        ShortVector h = ByteVector.fromMemorySegment(B, w, at, LE).reinterpretAsShorts();
                        for (int t = 0; t < 4; t++) {
                            ShortVector v = ByteVector.fromMemorySegment(B, w, at + 64 + 64 * t, LE).reinterpretAsShorts();
                            ShortVector qa = v.and((short) 0x0F0F).or(h.lanewise(VectorOperators.LSHL, 4 - t).and((short) 0x1010));
                            ShortVector qb = v.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F0F).or(h.lanewise(VectorOperators.LSHR, t).and((short) 0x1010));
                            int xl = xc + 4 * (g - 4 * hf) + t;
                            ShortVector x0 = ShortVector.broadcast(S, xs[xl]), x1 = ShortVector.broadcast(S, xs[xl + 32]);
                            lo0 = lo0.add(qa.and((short) 0x1F).mul(x0));
                            hi0 = hi0.add(qa.lanewise(VectorOperators.LSHR, 8).mul(x0));
                            lo1 = lo1.add(qb.and((short) 0x1F).mul(x1));
                            hi1 = hi1.add(qb.lanewise(VectorOperators.LSHR, 8).mul(x1));
                        }
                    }
                    // Σ q·x = (Σ (q−16)·x) + 16·X over these 16 values: the first part in 16 bits, the second in 32. The
                    // sums go through memory so that the rest is one loop over the two sub-blocks (see PackedQ2K: C1's
                    // limits)
                    lo0.intoArray(sums, 0);
                    hi0.intoArray(sums, 32);
                    lo1.intoArray(sums, 64);
                    hi1.intoArray(sums, 96);
                    for (int u = 0; u < 2; u++) { // sub-block 2c + u
                        int sx = bsums[bs + 4 * c + 2 * u + hf];
                        long sc = sc0 + 64 * u;
                        ShortVector k = ShortVector.broadcast(S, (short) (16 * sx));
                        // the 16-bit sums widened in place: rows 0..15 in the low halves, 16..31 in the high ones (Packed.lane)
                        IntVector l = ShortVector.fromArray(S, sums, 64 * u).sub(k).reinterpretAsInts(), h = ShortVector.fromArray(S, sums, 64 * u + 32).sub(k).reinterpretAsInts();
                        s0 = s0.add(l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(16 * sx).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                        s1 = s1.add(l.lanewise(VectorOperators.ASHR, 16).add(16 * sx).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                        s2 = s2.add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(16 * sx).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                        s3 = s3.add(h.lanewise(VectorOperators.ASHR, 16).add(16 * sx).mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                    }
                }
                // m_j·X_j over the sub-blocks' 32 values
                for (int u = 0; u < 2; u++) {
                    int sx = bsums[bs + 4 * c + 2 * u] + bsums[bs + 4 * c + 2 * u + 1];
                    long mn = sc0 + 512 + 64 * u;
                    m0 = m0.add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(sx));
                    m1 = m1.add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(sx));
                    m2 = m2.add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(sx));
                    m3 = m3.add(((IntVector) ByteVector.fromMemorySegment(B128, w, mn + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(sx));
                }
            }
            // d and dmin f16 → f32 as PackedQ4K
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
