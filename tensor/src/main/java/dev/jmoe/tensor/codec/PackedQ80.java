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
 * Q8_0 weights repacked 64 rows to a group, as {@link PackedQ40} packs Q4_0: one 512-bit lane of shorts holds the
 * same element of row k (low byte) and row k+32 (high byte), so the int8 × int8 products are 16-bit multiplies whose
 * sums come out per row, without lane reductions.
 *
 * <p>Layout, per group of 64 rows, per block b of 32 columns (2176 bytes: the 64 rows' blocks in the file):
 * <pre>
 *   bytes [0, 128)            the 64 rows' f16 scales d, short k holding row {@link Packed#scaleLane} order
 *   bytes [128 + 64p, +64)    p = 0..31: byte 2k = quant p of row r with {@link Packed#lane}(r) = k, byte 2k+1 = row r+32's
 * </pre>
 * (lanes in {@link Packed#lane} order: a vector of 32 shorts read as 16 ints gives rows 0..15 in the low halves and
 * 16..31 in the high ones, so sums and scales widen by shifts).
 * A product of two quants is at most 127² (ggml's Q8_0 quants lie in [−127, 127]: {@code d = amax/127}), so the sum
 * of two fits a short (≤ 32258) and is widened to int there; a block's 32-term integer sum is then exact, as ggml's,
 * and {@code acc += d_w · (Σ · d_x)} in float, 16 rows a vector. A row's value is the same for any thread count, row
 * range or batch size (FAST order: within float rounding of ggml's).
 */
public final class PackedQ80 {
    private PackedQ80() {}

    private static final int ROWS = Packed.ROWS;
    private static final int BLOCK = 34, GROUP_BLOCK = ROWS * BLOCK;

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
                int i = r * rowBytes + BLOCK * b, k = Packed.lane(r);
                out[o + 2 * Packed.scaleLane(r)] = in[i];
                out[o + 2 * Packed.scaleLane(r) + 1] = in[i + 1];
                int lane = o + 128 + 2 * k + (r < 32 ? 0 : 1);
                for (int p = 0; p < 32; p++) out[lane + 64 * p] = in[i + 2 + p];
            }
        }
    }

    /** Bytes of one group of 64 rows of {@code cols} columns. */
    static long groupBytes(int cols) {
        return (long) (cols / 32) * GROUP_BLOCK;
    }

    /**
     * Rows {@code [64g, 64g + 64)} of the packed weight (group at {@code go}) against tokens {@code tA} and {@code tB}:
     * {@code y[yoA..yoA+64)} and {@code y[yoB..yoB+64)}; each weight vector's bytes are taken apart once for both. Each
     * token's sums run in the same order whatever the other token is, so a row's value does not depend on the batch.
     *
     * <p>A single token runs here too, as {@code tA = tB} (twice the integer work for one result). A one-token kernel
     * built the same way was faster when C2 compiled it well (26–35 t/s decoding deepseek-v3-L1-Q8_0), but in about
     * one run in three C2 compiled it after a prefill with its vectors boxed and decode fell to 1–8 t/s; this one
     * never did (10 runs of prefill 128 + decode 32: 19.5–30.6 t/s, against 17.5–19.1 without packing). The README's
     * eighth run lists what was tried on the one-token kernel.
     */
    static void group2(MemorySegment w, long go, int cols, Activations act, int tA, int tB, float[] y, int yoA, int yoB, short[] xs) {
        int nb = cols / 32, qa = tA * cols, qb = tB * cols, da = tA * nb, dbB = tB * nb;
        byte[] q = act.q;
        float[] d = act.d;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int b = 0; b < nb; b++) {
            long o = go + (long) GROUP_BLOCK * b;
            IntVector h0 = IntVector.fromMemorySegment(I, w, o, LE), h1 = IntVector.fromMemorySegment(I, w, o + 64, LE); // before the quants (Prefetch)
            Packed.widen(q, qa + 32 * b, xs, 0, 32); // broadcasts from memory (Packed.WIDE)
            Packed.widen(q, qb + 32 * b, xs, 32, 32);
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0, r0 = s0, r1 = s0, r2 = s0, r3 = s0;
            for (int p = 0; p < 32; p += 2) {
                ShortVector v = ByteVector.fromMemorySegment(B, w, o + 128 + 64 * p, LE).reinterpretAsShorts();
                ShortVector u = ByteVector.fromMemorySegment(B, w, o + 192 + 64 * p, LE).reinterpretAsShorts();
                ShortVector vl = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8), vh = v.lanewise(VectorOperators.ASHR, 8);
                ShortVector ul = u.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8), uh = u.lanewise(VectorOperators.ASHR, 8);
                ShortVector x0 = ShortVector.broadcast(S, xs[p]), x1 = ShortVector.broadcast(S, xs[p + 1]);
                ShortVector lo = vl.mul(x0).add(ul.mul(x1)), hi = vh.mul(x0).add(uh.mul(x1));
                IntVector li = lo.reinterpretAsInts(), hj = hi.reinterpretAsInts();
                s0 = s0.add(li.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                s1 = s1.add(li.lanewise(VectorOperators.ASHR, 16));
                s2 = s2.add(hj.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                s3 = s3.add(hj.lanewise(VectorOperators.ASHR, 16));
                ShortVector z0 = ShortVector.broadcast(S, xs[32 + p]), z1 = ShortVector.broadcast(S, xs[33 + p]);
                li = vl.mul(z0).add(ul.mul(z1)).reinterpretAsInts();
                hj = vh.mul(z0).add(uh.mul(z1)).reinterpretAsInts();
                r0 = r0.add(li.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                r1 = r1.add(li.lanewise(VectorOperators.ASHR, 16));
                r2 = r2.add(hj.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                r3 = r3.add(hj.lanewise(VectorOperators.ASHR, 16));
            }
            // f16 → f32 (sign and the 15 low bits moved to their float places, times 2^112) from the int view: the
            // low half shifted up first, then both arithmetic-shifted by 3
            FloatVector e0 = h0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e1 = h0.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e2 = h1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector e3 = h1.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector dA = FloatVector.broadcast(F, d[da + b]), dB = FloatVector.broadcast(F, d[dbB + b]);
            a0 = ((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0)).mul(dA).fma(e0, a0);
            a1 = ((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0)).mul(dA).fma(e1, a1);
            a2 = ((FloatVector) s2.convertShape(VectorOperators.I2F, F, 0)).mul(dA).fma(e2, a2);
            a3 = ((FloatVector) s3.convertShape(VectorOperators.I2F, F, 0)).mul(dA).fma(e3, a3);
            b0 = ((FloatVector) r0.convertShape(VectorOperators.I2F, F, 0)).mul(dB).fma(e0, b0);
            b1 = ((FloatVector) r1.convertShape(VectorOperators.I2F, F, 0)).mul(dB).fma(e1, b1);
            b2 = ((FloatVector) r2.convertShape(VectorOperators.I2F, F, 0)).mul(dB).fma(e2, b2);
            b3 = ((FloatVector) r3.convertShape(VectorOperators.I2F, F, 0)).mul(dB).fma(e3, b3);
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
}
