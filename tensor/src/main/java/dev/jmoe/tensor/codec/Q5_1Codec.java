package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.put32;
import static dev.jmoe.tensor.codec.Blocks.put8;
import static dev.jmoe.tensor.codec.Blocks.putF16;
import static dev.jmoe.tensor.codec.Blocks.u32;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Simd;
import java.lang.foreign.MemorySegment;

/** Q5_1: blocks of 32 = {@code fp16 d; fp16 m; uint8 qh[4]; uint8 qs[16]} (24 bytes); value = d · q + m (q as Q5_0). */
public final class Q5_1Codec implements Codec {
    static final int QK = 32, BYTES = 24;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_1;
    }

    /** As ggml's dequantize_row_q5_1. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o), m = f16(src, o + 2);
            int qh = u32(src, o + 4);
            int y = dstOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 8 + j);
                int h0 = ((qh >>> j) << 4) & 0x10, h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = ((q & 0xf) | h0) * d + m;
                dst[y + j + 16] = ((q >> 4) | h1) * d + m;
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        if (Simd.INT_KERNELS) LegacyVector.dequantQ5(src, offset, BYTES, 4, 0, true, dst, dstOff, n);
        else dequantizeReference(src, offset, dst, dstOff, n);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return Simd.INT_KERNELS ? LegacyVector.dotQ5_1(w, offset, x, xStart, n) : dotReference(w, offset, x, xStart, n);
    }

    /** As ggml_vec_dot_q5_1_q8_1 (generic): per block {@code d_w·d_x·Σ q·q8 + m_w·s_x}. */
    public float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int qh = u32(w, o + 4);
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, o + 8 + j);
                int v0 = (q & 0xf) | (((qh >>> j) << 4) & 0x10);
                int v1 = (q >> 4) | ((qh >>> (j + 12)) & 0x10);
                isum += v0 * q8[xo + j] + v1 * q8[xo + j + 16];
            }
            sum += (f16(w, o) * x.d[xo / QK]) * isum + f16(w, o + 2) * x.s[xo / QK];
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's quantize_row_q5_1_ref: d = (max − min)/31, m = min, quants {@code (uint8)((x − min)/d + 0.5)}. */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            int so = srcOff + b * QK;
            long o = dstOffset + (long) b * BYTES;
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                float v = src[so + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;
            putF16(dst, o, d);
            putF16(dst, o + 2, min);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = ((int) ((src[so + j] - min) * id + 0.5f)) & 0xff;
                int xi1 = ((int) ((src[so + 16 + j] - min) * id + 0.5f)) & 0xff;
                put8(dst, o + 8 + j, (xi0 & 0xf) | ((xi1 & 0xf) << 4));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            put32(dst, o + 4, qh);
        }
    }
}
