package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API fast paths of the IQ4_XS and MXFP4 dot products (a 16-entry codebook: one in-register table lookup; the
 * grid types are {@link IqGridDots}). Each computes the same per-32-value integer sums as the scalar reference and
 * combines them with the same float operations in the same order, so the results are bit-identical (tests hold them
 * to it). {@link #ENABLED} is false with {@code -Djmoe.vector=false} and selects the scalar code for all IQ types.
 */
final class IqVector {
    private IqVector() {}

    static final boolean ENABLED = dev.jmoe.tensor.VectorApi.AVAILABLE;

    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;

    private static final ByteVector KV_IQ4NL = ByteVector.fromArray(B128, IqTables.KVALUES_IQ4NL, 0);
    private static final ByteVector KV_MXFP4 = ByteVector.fromArray(B128, IqTables.KVALUES_MXFP4, 0);

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
