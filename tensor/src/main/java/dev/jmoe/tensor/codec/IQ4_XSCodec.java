package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.u16;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.DotOrder;
import java.lang.foreign.MemorySegment;

/**
 * IQ4_XS (4.25 bpw): blocks of 256 = {@code fp16 d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]} (136 bytes).
 * Eight 6-bit scales (low 4 bits in scales_l, high 2 in scales_h), biased by 32; per 32 values 16 bytes of nibbles,
 * low nibbles first, mapped through kvalues_iq4nl; value = d·(ls−32) · kvalues[nibble].
 */
public final class IQ4_XSCodec implements Codec {
    static final int QK = 256, BYTES = 136;

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_XS;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** The 6-bit scale of 32-value group ib, still biased by 32. */
    static int scale(MemorySegment s, long o, int ib) {
        return ((u8(s, o + 4 + ib / 2) >> 4 * (ib % 2)) & 0xf) | (((u16(s, o + 2) >> 2 * ib) & 3) << 4);
    }

    /** As ggml's dequantize_row_iq4_xs. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        byte[] kv = IqTables.KVALUES_IQ4NL;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int ib = 0; ib < 8; ib++) {
                float dl = d * (scale(src, o, ib) - 32);
                int y = dstOff + b * QK + ib * 32;
                for (int j = 0; j < 16; j++) {
                    int q = u8(src, o + 8 + 16 * ib + j);
                    dst[y + j] = dl * kv[q & 0xf];
                    dst[y + j + 16] = dl * kv[q >> 4];
                }
            }
        }
    }

    /**
     * GGML order: {@link IqVector#dotIq4Xs}, bit-identical to the reference; FAST order, with 512-bit vectors:
     * {@link IqGridDots.Kind#IQ4_XS} (one float multiply per super-block; a batch's rows decoded once for its tokens).
     */
    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        if (!IqVector.ENABLED) return dotReference(w, offset, x, xStart, n);
        return IqGridDots.ENABLED && x.order() == DotOrder.FAST ? IqGridDots.Kind.IQ4_XS.dot(w, offset, x, xStart, n) : IqVector.dotIq4Xs(w, offset, x, xStart, n);
    }

    @Override
    public void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        if (IqGridDots.ENABLED && x.order() == DotOrder.FAST && nTok > 1) IqGridDots.Kind.IQ4_XS.dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
        else Codec.super.dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
    }

    /** As ggml_vec_dot_iq4_xs_q8_K_generic: per 32 values Σ kv·q8 (int), times d_w·d_x·(ls−32), summed in float. */
    float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] kv = IqTables.KVALUES_IQ4NL;
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            float d4d8 = f16(w, o) * x.d[xo / QK];
            for (int ib = 0; ib < 8; ib++) {
                float dl = d4d8 * (scale(w, o, ib) - 32);
                int q = xo + ib * 32;
                int sumi1 = 0, sumi2 = 0;
                for (int j = 0; j < 16; j++) {
                    int v = u8(w, o + 8 + 16 * ib + j);
                    sumi1 += q8[q + j] * kv[v & 0xf];
                    sumi2 += q8[q + j + 16] * kv[v >> 4];
                }
                sumf += dl * (sumi1 + sumi2);
            }
        }
        return sumf;
    }
}
