package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.i32;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * 256-bit Vector API dot products of the IQ types, one 32-value group at a time: IQ4_XS (the GGML order everywhere)
 * and MXFP4, and IQ2_XXS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S where the CPU has no 512-bit vectors (elsewhere
 * {@link IqGridDots} runs, 3–10× faster; its 512-bit gathers and permutes would be emulated on AVX2, at 0.01 GB/s).
 * Each computes the same per-32-value integer sums as the scalar reference and combines them with the same float
 * operations in the same order, so the results are bit-identical (tests hold them to it). {@link #ENABLED} is false
 * with {@code -Djmoe.vector=false} and selects the scalar code for all IQ types.
 */
final class IqVector {
    private IqVector() {}

    static final boolean ENABLED = dev.jmoe.tensor.VectorApi.AVAILABLE;

    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
    private static final VectorSpecies<Long> L256 = LongVector.SPECIES_256;

    private static final ByteVector KV_IQ4NL = ByteVector.fromArray(B128, IqTables.KVALUES_IQ4NL, 0);
    private static final ByteVector KV_MXFP4 = ByteVector.fromArray(B128, IqTables.KVALUES_MXFP4, 0);
    /** lane k → bit k%8, to test sign bits. */
    private static final ByteVector BIT_OF_LANE;
    /** lane k → byte k/8 of a broadcast 32-bit sign word. */
    private static final VectorShuffle<Byte> SIGN_BYTE_OF_LANE;
    /** Grids as whole entries: iq3s_grid (4 bytes each), iq2xxs_grid (8 bytes each). */
    private static final int[] IQ3S = new int[512];
    private static final long[] IQ2XXS = IqTables.raw("iq2xxs_grid");
    private static final long[] IQ2S = IqTables.raw("iq2s_grid");
    private static final long[] IQ1S = IqTables.raw("iq1s_grid");
    private static final int[] IQ3XXS = new int[256];

    static {
        byte[] bits = new byte[32];
        int[] idx = new int[32];
        for (int k = 0; k < 32; k++) {
            bits[k] = (byte) (1 << (k % 8));
            idx[k] = k / 8;
        }
        BIT_OF_LANE = ByteVector.fromArray(B256, bits, 0);
        SIGN_BYTE_OF_LANE = VectorShuffle.fromArray(B256, idx, 0);
        long[] g = IqTables.raw("iq3s_grid");
        for (int i = 0; i < g.length; i++) IQ3S[i] = (int) g[i];
        long[] g3 = IqTables.raw("iq3xxs_grid");
        for (int i = 0; i < g3.length; i++) IQ3XXS[i] = (int) g3[i];
    }

    private static ShortVector widen(ByteVector v, int part) {
        return (ShortVector) v.convertShape(VectorOperators.B2S, S256, part);
    }

    /**
     * Σ a0·b0 + a1·b1 over 16 int8 lanes each (B128). Products are ≤ 128·127 in magnitude, so the sum of two still
     * fits 16 bits; it is widened to 32 bits before the lanes are added.
     */
    private static int dot16x2(ByteVector a0, ByteVector b0, ByteVector a1, ByteVector b1) {
        ShortVector p = widen(a0, 0).mul(widen(b0, 0)).add(widen(a1, 0).mul(widen(b1, 0)));
        return toInts(p).reduceLanes(VectorOperators.ADD);
    }

    private static IntVector toInts(ShortVector p) {
        return ((IntVector) p.convertShape(VectorOperators.S2I, I256, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, I256, 1));
    }

    /**
     * Lane-wise partial sums (8 int lanes) of a·b over all 32 int8 lanes of two B256 vectors. |a·b| ≤ 128·127, so two
     * products still fit 16 bits before the widening to 32.
     */
    private static IntVector prod32(ByteVector a, ByteVector b) {
        return toInts(widen(a, 0).mul(widen(b, 0)).add(widen(a, 1).mul(widen(b, 1))));
    }

    /** Partial sums (8 int lanes) of a·b over lanes 0..15. */
    private static IntVector prodLow(ByteVector a, ByteVector b) {
        return toInts(widen(a, 0).mul(widen(b, 0)));
    }

    /** Partial sums (8 int lanes) of a·b over lanes 16..31. */
    private static IntVector prodHigh(ByteVector a, ByteVector b) {
        return toInts(widen(a, 1).mul(widen(b, 1)));
    }

    private static int ksignWord(byte[] ksigns, int f0, int f1, int f2, int f3) {
        return (ksigns[f0] & 0xff) | (ksigns[f1] & 0xff) << 8 | (ksigns[f2] & 0xff) << 16 | (ksigns[f3] & 0xff) << 24;
    }

    /** Negates lane k of {@code v} where bit k%8 of byte k/8 of {@code signWord} is set. */
    private static ByteVector applySigns(ByteVector v, int signWord) {
        ByteVector s = IntVector.broadcast(I256, signWord).reinterpretAsBytes().rearrange(SIGN_BYTE_OF_LANE);
        return v.lanewise(VectorOperators.NEG, s.and(BIT_OF_LANE).compare(VectorOperators.NE, 0));
    }

    private static ByteVector longs(long a, long b, long c, long d) {
        return LongVector.zero(L256).withLane(0, a).withLane(1, b).withLane(2, c).withLane(3, d).reinterpretAsBytes();
    }

    /** IQ4_XS · Q8_K, same arithmetic as {@link IQ4_XSCodec#dotReference}. */
    static float dotIq4Xs(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long o = offset + (long) b * IQ4_XSCodec.BYTES;
            int xo = xStart + b * 256;
            float d4d8 = f16(w, o) * x.d[xo / 256];
            for (int ib = 0; ib < 8; ib++) {
                float dl = d4d8 * (IQ4_XSCodec.scale(w, o, ib) - 32);
                ByteVector qs = ByteVector.fromMemorySegment(B128, w, o + 8 + 16 * ib, ByteOrder.LITTLE_ENDIAN);
                ByteVector lo = qs.and((byte) 0xf).selectFrom(KV_IQ4NL);
                ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0xf).selectFrom(KV_IQ4NL);
                int q = xo + ib * 32;
                sumf += dl * dot16x2(lo, ByteVector.fromArray(B128, q8, q), hi, ByteVector.fromArray(B128, q8, q + 16));
            }
        }
        return sumf;
    }

    /** IQ3_S · Q8_K, same arithmetic as {@link IQ3_SCodec#dotReference}. */
    static float dotIq3S(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long o = offset + (long) b * IQ3_SCodec.BYTES;
            int xo = xStart + b * 256;
            float d = f16(w, o) * x.d[xo / 256];
            IntVector acc = IntVector.zero(I256);
            for (int ib = 0; ib < 8; ib++) {
                int sc = u8(w, o + IQ3_SCodec.SCALES + ib / 2);
                int ls = 2 * ((ib % 2 == 0 ? sc : sc >> 4) & 0xf) + 1;
                int k = 8 * ib;
                ByteVector grid = longs(pair3s(w, o, k), pair3s(w, o, k + 2), pair3s(w, o, k + 4), pair3s(w, o, k + 6));
                grid = applySigns(grid, i32(w, o + IQ3_SCodec.SIGNS + 4 * ib));
                acc = acc.add(prod32(grid, ByteVector.fromArray(B256, q8, xo + ib * 32)).mul(ls));
            }
            // integer sums are exact in any order: one reduction per super-block
            int bsum = acc.reduceLanes(VectorOperators.ADD);
            sumf += d * bsum;
        }
        return sumf;
    }

    private static long pair3s(MemorySegment w, long o, int k) {
        return (IQ3S[IQ3_SCodec.index(w, o, k)] & 0xffffffffL) | ((long) IQ3S[IQ3_SCodec.index(w, o, k + 1)] << 32);
    }

    /** IQ2_XXS · Q8_K, same arithmetic as the scalar {@link IQ2_XXSCodec} dot. */
    static float dotIq2Xxs(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        byte[] ksigns = IqTables.KSIGNS_IQ2XS;
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long o = offset + (long) b * IQ2_XXSCodec.BYTES;
            int xo = xStart + b * 256;
            float d = f16(w, o) * x.d[xo / 256];
            IntVector acc = IntVector.zero(I256);
            for (int ib = 0; ib < 8; ib++) {
                long g = o + 2 + 8 * ib;
                int aux1 = i32(w, g + 4);
                ByteVector grid = longs(IQ2XXS[u8(w, g)], IQ2XXS[u8(w, g + 1)], IQ2XXS[u8(w, g + 2)], IQ2XXS[u8(w, g + 3)]);
                int signWord = (ksigns[aux1 & 127] & 0xff) | (ksigns[(aux1 >>> 7) & 127] & 0xff) << 8
                        | (ksigns[(aux1 >>> 14) & 127] & 0xff) << 16 | (ksigns[(aux1 >>> 21) & 127] & 0xff) << 24;
                grid = applySigns(grid, signWord);
                acc = acc.add(prod32(grid, ByteVector.fromArray(B256, q8, xo + ib * 32)).mul(2 * (aux1 >>> 28) + 1));
            }
            // integer sums are exact in any order: one reduction per super-block
            int bsum = acc.reduceLanes(VectorOperators.ADD);
            sumf += d * bsum;
        }
        return 0.125f * sumf;
    }

    /** IQ2_S · Q8_K, same arithmetic as the scalar {@link IQ2_SCodec#dotReference}. */
    static float dotIq2S(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long o = offset + (long) b * IQ2_SCodec.BYTES;
            int xo = xStart + b * 256;
            float d = f16(w, o) * x.d[xo / 256];
            IntVector acc = IntVector.zero(I256);
            for (int ib = 0; ib < 8; ib++) {
                ByteVector grid = longs(IQ2S[IQ2_SCodec.index(w, o, ib, 0)], IQ2S[IQ2_SCodec.index(w, o, ib, 1)],
                        IQ2S[IQ2_SCodec.index(w, o, ib, 2)], IQ2S[IQ2_SCodec.index(w, o, ib, 3)]);
                grid = applySigns(grid, i32(w, o + 2 + 32 + 4 * ib));
                ByteVector qv = ByteVector.fromArray(B256, q8, xo + ib * 32);
                int sc = u8(w, o + 74 + ib);
                acc = acc.add(prodLow(grid, qv).mul(1 + 2 * (sc & 0xf))).add(prodHigh(grid, qv).mul(1 + 2 * (sc >> 4)));
            }
            // integer sums are exact in any order: one reduction per super-block
            int bsum = acc.reduceLanes(VectorOperators.ADD);
            sumf += d * bsum;
        }
        return 0.125f * sumf;
    }

    /** IQ3_XXS · Q8_K, same arithmetic as the scalar {@link IQ3_XXSCodec#dotReference}. */
    static float dotIq3Xxs(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        byte[] ksigns = IqTables.KSIGNS_IQ2XS;
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long o = offset + (long) b * IQ3_XXSCodec.BYTES;
            int xo = xStart + b * 256;
            float d = f16(w, o) * x.d[xo / 256];
            IntVector acc = IntVector.zero(I256);
            for (int ib = 0; ib < 8; ib++) {
                long g = o + 2 + 8 * ib;
                ByteVector grid = longs(pair3xxs(w, g), pair3xxs(w, g + 2), pair3xxs(w, g + 4), pair3xxs(w, g + 6));
                int aux = i32(w, o + 2 + 64 + 4 * ib);
                grid = applySigns(grid, ksignWord(ksigns, aux & 127, (aux >>> 7) & 127, (aux >>> 14) & 127, (aux >>> 21) & 127));
                acc = acc.add(prod32(grid, ByteVector.fromArray(B256, q8, xo + ib * 32)).mul(2 * (aux >>> 28) + 1));
            }
            // integer sums are exact in any order: one reduction per super-block
            int bsum = acc.reduceLanes(VectorOperators.ADD);
            sumf += d * bsum;
        }
        return 0.25f * sumf;
    }

    private static long pair3xxs(MemorySegment w, long at) {
        return (IQ3XXS[u8(w, at)] & 0xffffffffL) | ((long) IQ3XXS[u8(w, at + 1)] << 32);
    }

    /** IQ1_S · Q8_K, same arithmetic as the scalar {@link IQ1_SCodec#dotReference}. */
    static float dotIq1S(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        short[] bsums = x.bsums;
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long o = offset + (long) b * IQ1_SCodec.BYTES;
            int xo = xStart + b * 256;
            IntVector acc = IntVector.zero(I256);
            int sumi1 = 0;
            for (int ib = 0; ib < 8; ib++) {
                int qh = Bytes.u16(w, o + 34 + 2 * ib);
                long g = o + 2 + 4 * ib;
                ByteVector grid = longs(IQ1S[u8(w, g) | (qh & 7) << 8], IQ1S[u8(w, g + 1) | ((qh >> 3) & 7) << 8],
                        IQ1S[u8(w, g + 2) | ((qh >> 6) & 7) << 8], IQ1S[u8(w, g + 3) | ((qh >> 9) & 7) << 8]);
                int ls = 2 * ((qh >> 12) & 7) + 1;
                acc = acc.add(prod32(grid, ByteVector.fromArray(B256, q8, xo + ib * 32)).mul(ls));
                int bs = xo / 16 + 2 * ib;
                sumi1 += ls * ((qh & 0x8000) != 0 ? -1 : 1) * (bsums[bs] + bsums[bs + 1]);
            }
            int sumi = acc.reduceLanes(VectorOperators.ADD);
            sumf += f16(w, o) * x.d[xo / 256] * (sumi + IQ1_SCodec.DELTA * sumi1);
        }
        return sumf;
    }

    /** MXFP4 · Q8_0, same arithmetic as the scalar {@link MXFP4Codec#dotReference}. */
    static float dotMxfp4(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / 32; b++) {
            long o = offset + (long) b * MXFP4Codec.BYTES;
            int xo = xStart + b * 32;
            float d = x.d[xo / 32] * Bytes.e8m0Half(u8(w, o));
            ByteVector qs = ByteVector.fromMemorySegment(B128, w, o + 1, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = qs.and((byte) 0xf).selectFrom(KV_MXFP4);
            ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0xf).selectFrom(KV_MXFP4);
            sumf += d * dot16x2(lo, ByteVector.fromArray(B128, q8, xo), hi, ByteVector.fromArray(B128, q8, xo + 16));
        }
        return sumf;
    }
}
