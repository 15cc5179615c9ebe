package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.put8;
import static dev.jmoe.tensor.codec.Blocks.putF16;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.DotOrder;
import dev.jmoe.tensor.Simd;
import java.lang.foreign.MemorySegment;

/**
 * IQ4_NL: blocks of 32 = {@code fp16 d; uint8 qs[16]} (18 bytes), nibbles laid out as Q4_0's; value =
 * d · kvalues_iq4nl[nibble] (a non-linear 16-value codebook).
 */
public final class IQ4_NLCodec implements Codec {
    static final int QK = 32, BYTES = 18;
    private static final byte[] KV = IqTables.KVALUES_IQ4NL;

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_0;
    }

    /** As ggml's dequantize_row_iq4_nl. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            int y = dstOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 2 + j);
                dst[y + j] = d * KV[q & 0xf];
                dst[y + j + 16] = d * KV[q >> 4];
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        if (Simd.INT_KERNELS) LegacyVector.dequantIq4Nl(src, offset, dst, dstOff, n);
        else dequantizeReference(src, offset, dst, dstOff, n);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return Simd.INT_KERNELS ? LegacyVector.dotIq4Nl(w, offset, x, xStart, n) : dotReference(w, offset, x, xStart, n);
    }

    /** Batches in the FAST order, with 512-bit vectors: {@link IqGridDots#iq4NlRows} (float tiles, within rounding). */
    @Override
    public void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        if (IqGridDots.ENABLED && x.order() == DotOrder.FAST && nTok > 1) IqGridDots.iq4NlRows(this, w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
        else Codec.super.dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
    }

    /** As ggml_vec_dot_iq4_nl_q8_0 (generic): per block d_w·d_x · Σ kvalues[nibble]·q8. */
    public float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int s1 = 0, s2 = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, o + 2 + j);
                s1 += q8[xo + j] * KV[q & 0xf];
                s2 += q8[xo + j + 16] * KV[q >> 4];
            }
            sum += (f16(w, o) * x.d[xo / QK]) * (s1 + s2);
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /**
     * ggml's quantize_iq4_nl without importance matrix (what llama-quantize runs): per block, weights x², a first
     * scale from the signed max, then 15 trial scales {@code (itry + kv[0])/max}, itry ∈ [−7, 7], keeping the best
     * weighted least-squares fit; nibbles re-chosen with the final (fp32) scale.
     */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        float[] weight = new float[QK];
        int[] l = new int[QK];
        for (int b = 0; b < n / QK; b++) {
            int so = srcOff + b * QK;
            long o = dstOffset + (long) b * BYTES;
            float d = scaleOf(src, so, weight);
            putF16(dst, o, d);
            float id = d != 0 ? 1 / d : 0;
            for (int j = 0; j < QK; j++) l[j] = bestIndex(id * src[so + j]);
            for (int j = 0; j < 16; j++) put8(dst, o + 2 + j, l[j] | (l[j + 16] << 4));
        }
    }

    /** The block scale of quantize_row_iq4_nl_impl (super block = block = 32, ntry = 7, no quant weights). */
    private static float scaleOf(float[] x, int o, float[] weight) {
        float amax = 0, max = 0;
        for (int j = 0; j < QK; j++) {
            weight[j] = x[o + j] * x[o + j];
            float ax = Math.abs(x[o + j]);
            if (ax > amax) {
                amax = ax;
                max = x[o + j];
            }
        }
        if (amax < 1e-15f) return 0; // GROUP_MAX_EPS
        float d = -max / KV[0];
        float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int j = 0; j < QK; j++) {
            float q = KV[bestIndex(id * x[o + j])];
            float w = weight[j];
            sumqx += w * q * x[o + j];
            sumq2 += w * q * q;
        }
        d = sumqx / sumq2;
        float best = d * sumqx;
        for (int itry = -7; itry <= 7; itry++) {
            id = (itry + KV[0]) / max;
            sumqx = 0;
            sumq2 = 0;
            for (int j = 0; j < QK; j++) {
                float q = KV[bestIndex(id * x[o + j])];
                float w = weight[j];
                sumqx += w * q * x[o + j];
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        return d;
    }

    /** ggml's best_index_int8 over kvalues_iq4nl: nearest codebook entry, the upper one on an exact tie. */
    static int bestIndex(float x) {
        if (x <= KV[0]) return 0;
        if (x >= KV[15]) return 15;
        int ml = 0, mu = 15;
        while (mu - ml > 1) {
            int mav = (ml + mu) / 2;
            if (x < KV[mav]) mu = mav;
            else ml = mav;
        }
        return x - KV[mu - 1] < KV[mu] - x ? mu - 1 : mu;
    }
}
