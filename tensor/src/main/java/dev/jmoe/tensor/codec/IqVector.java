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
 * Vector API fast paths of the IQ dot products (all IQ types) and MXFP4's. Each computes the same per-32-value integer
 * sums as the scalar reference and combines them with the same float operations in the same order, so the results
 * are bit-identical (tests hold them to it). {@code -Djmoe.vector=false} selects the scalar code.
 */
final class IqVector {
    private IqVector() {}

    static final boolean ENABLED = !"false".equals(System.getProperty("jmoe.vector"));

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
    private static final long[] IQ2XS = IqTables.raw("iq2xs_grid");
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
        IntVector s = ((IntVector) p.convertShape(VectorOperators.S2I, I256, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, I256, 1));
        return s.reduceLanes(VectorOperators.ADD);
    }

    /** Σ a·b over 32 int8 lanes (B256). */
    private static int dot32(ByteVector a, ByteVector b) {
        ShortVector p = widen(a, 0).mul(widen(b, 0)).add(widen(a, 1).mul(widen(b, 1)));
        IntVector s = ((IntVector) p.convertShape(VectorOperators.S2I, I256, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, I256, 1));
        return s.reduceLanes(VectorOperators.ADD);
    }

    /** Σ a·b over int8 lanes 0..15 of two B256 vectors (the first 16 values: one scale in IQ2_XS/IQ2_S/IQ1_M). */
    private static int dotLow16(ByteVector a, ByteVector b) {
        ShortVector p = widen(a, 0).mul(widen(b, 0));
        return ((IntVector) p.convertShape(VectorOperators.S2I, I256, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, I256, 1)).reduceLanes(VectorOperators.ADD);
    }

    /** Σ a·b over int8 lanes 16..31 of two B256 vectors. */
    private static int dotHigh16(ByteVector a, ByteVector b) {
        ShortVector p = widen(a, 1).mul(widen(b, 1));
        return ((IntVector) p.convertShape(VectorOperators.S2I, I256, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, I256, 1)).reduceLanes(VectorOperators.ADD);
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
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                int sc = u8(w, o + IQ3_SCodec.SCALES + ib / 2);
                int ls = 2 * ((ib % 2 == 0 ? sc : sc >> 4) & 0xf) + 1;
                int k = 8 * ib;
                ByteVector grid = longs(pair3s(w, o, k), pair3s(w, o, k + 2), pair3s(w, o, k + 4), pair3s(w, o, k + 6));
                grid = applySigns(grid, i32(w, o + IQ3_SCodec.SIGNS + 4 * ib));
                bsum += dot32(grid, ByteVector.fromArray(B256, q8, xo + ib * 32)) * ls;
            }
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
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                long g = o + 2 + 8 * ib;
                int aux1 = i32(w, g + 4);
                ByteVector grid = longs(IQ2XXS[u8(w, g)], IQ2XXS[u8(w, g + 1)], IQ2XXS[u8(w, g + 2)], IQ2XXS[u8(w, g + 3)]);
                int signWord = (ksigns[aux1 & 127] & 0xff) | (ksigns[(aux1 >>> 7) & 127] & 0xff) << 8
                        | (ksigns[(aux1 >>> 14) & 127] & 0xff) << 16 | (ksigns[(aux1 >>> 21) & 127] & 0xff) << 24;
                grid = applySigns(grid, signWord);
                bsum += dot32(grid, ByteVector.fromArray(B256, q8, xo + ib * 32)) * (2 * (aux1 >>> 28) + 1);
            }
            sumf += d * bsum;
        }
        return 0.125f * sumf;
    }

    /** IQ2_XS · Q8_K, same arithmetic as the scalar {@link IQ2_XSCodec#dotReference}. */
    static float dotIq2Xs(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        byte[] ksigns = IqTables.KSIGNS_IQ2XS;
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long o = offset + (long) b * IQ2_XSCodec.BYTES;
            int xo = xStart + b * 256;
            float d = f16(w, o) * x.d[xo / 256];
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                long g = o + 2 + 8 * ib;
                int q0 = Bytes.u16(w, g), q1 = Bytes.u16(w, g + 2), q2 = Bytes.u16(w, g + 4), q3 = Bytes.u16(w, g + 6);
                ByteVector grid = longs(IQ2XS[q0 & 511], IQ2XS[q1 & 511], IQ2XS[q2 & 511], IQ2XS[q3 & 511]);
                grid = applySigns(grid, ksignWord(ksigns, q0 >>> 9, q1 >>> 9, q2 >>> 9, q3 >>> 9));
                ByteVector qv = ByteVector.fromArray(B256, q8, xo + ib * 32);
                int sc = u8(w, o + 66 + ib);
                bsum += dotLow16(grid, qv) * (2 * (sc & 0xf) + 1) + dotHigh16(grid, qv) * (2 * (sc >> 4) + 1);
            }
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
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                ByteVector grid = longs(IQ2S[IQ2_SCodec.index(w, o, ib, 0)], IQ2S[IQ2_SCodec.index(w, o, ib, 1)],
                        IQ2S[IQ2_SCodec.index(w, o, ib, 2)], IQ2S[IQ2_SCodec.index(w, o, ib, 3)]);
                grid = applySigns(grid, i32(w, o + 2 + 32 + 4 * ib));
                ByteVector qv = ByteVector.fromArray(B256, q8, xo + ib * 32);
                int sc = u8(w, o + 74 + ib);
                bsum += (1 + 2 * (sc & 0xf)) * dotLow16(grid, qv) + (1 + 2 * (sc >> 4)) * dotHigh16(grid, qv);
            }
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
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                long g = o + 2 + 8 * ib;
                ByteVector grid = longs(pair3xxs(w, g), pair3xxs(w, g + 2), pair3xxs(w, g + 4), pair3xxs(w, g + 6));
                int aux = i32(w, o + 2 + 64 + 4 * ib);
                grid = applySigns(grid, ksignWord(ksigns, aux & 127, (aux >>> 7) & 127, (aux >>> 14) & 127, (aux >>> 21) & 127));
                bsum += dot32(grid, ByteVector.fromArray(B256, q8, xo + ib * 32)) * (2 * (aux >>> 28) + 1);
            }
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
            int sumi = 0, sumi1 = 0;
            for (int ib = 0; ib < 8; ib++) {
                int qh = Bytes.u16(w, o + 34 + 2 * ib);
                long g = o + 2 + 4 * ib;
                ByteVector grid = longs(IQ1S[u8(w, g) | (qh & 7) << 8], IQ1S[u8(w, g + 1) | ((qh >> 3) & 7) << 8],
                        IQ1S[u8(w, g + 2) | ((qh >> 6) & 7) << 8], IQ1S[u8(w, g + 3) | ((qh >> 9) & 7) << 8]);
                int ls = 2 * ((qh >> 12) & 7) + 1;
                sumi += ls * dot32(grid, ByteVector.fromArray(B256, q8, xo + ib * 32));
                int bs = xo / 16 + 2 * ib;
                sumi1 += ls * ((qh & 0x8000) != 0 ? -1 : 1) * (bsums[bs] + bsums[bs + 1]);
            }
            sumf += f16(w, o) * x.d[xo / 256] * (sumi + IQ1_SCodec.DELTA * sumi1);
        }
        return sumf;
    }

    /** IQ1_M · Q8_K, same arithmetic as the scalar {@link IQ1_MCodec#dotReference}. */
    static float dotIq1M(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long o = offset + (long) b * IQ1_MCodec.BYTES;
            int xo = xStart + b * 256;
            int sumi1 = 0, sumi2 = 0;
            for (int ib = 0; ib < 8; ib++) {
                ByteVector grid = longs(IQ1S[IQ1_MCodec.index(w, o, ib, 0)], IQ1S[IQ1_MCodec.index(w, o, ib, 1)],
                        IQ1S[IQ1_MCodec.index(w, o, ib, 2)], IQ1S[IQ1_MCodec.index(w, o, ib, 3)]);
                int q = xo + ib * 32;
                ByteVector qv = ByteVector.fromArray(B256, q8, q);
                // Σq8 of each 8 values, signed by that group's shift
                int sum2a = 0, sum2b = 0;
                for (int l = 0; l < 4; l++) {
                    int s = 0;
                    for (int j = 0; j < 8; j++) s += q8[q + 8 * l + j];
                    if (IQ1_MCodec.negativeDelta(w, o, ib, l)) s = -s;
                    if (l < 2) sum2a += s;
                    else sum2b += s;
                }
                int ls1 = 2 * IQ1_MCodec.subScale(w, o, ib, 0) + 1, ls2 = 2 * IQ1_MCodec.subScale(w, o, ib, 1) + 1;
                sumi1 += dotLow16(grid, qv) * ls1 + dotHigh16(grid, qv) * ls2;
                sumi2 += sum2a * ls1 + sum2b * ls2;
            }
            sumf += IQ1_MCodec.scale(w, o) * x.d[xo / 256] * (sumi1 + IQ1_MCodec.DELTA * sumi2);
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
