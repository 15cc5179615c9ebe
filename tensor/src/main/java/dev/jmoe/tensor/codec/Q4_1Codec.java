package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.put8;
import static dev.jmoe.tensor.codec.Blocks.putF16;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Simd;
import java.lang.foreign.MemorySegment;

/**
 * Q4_1: blocks of 32 = {@code fp16 d; fp16 m; uint8 qs[16]} (20 bytes); value = d · nibble + m (nibbles as Q4_0).
 */
public final class Q4_1Codec implements Codec {
    static final int QK = 32, BYTES = 20;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_1;
    }

    /** As ggml's dequantize_row_q4_1. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o), m = f16(src, o + 2);
            int y = dstOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 4 + j);
                dst[y + j] = (q & 0xf) * d + m;
                dst[y + j + 16] = (q >> 4) * d + m;
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        if (Simd.INT_KERNELS) LegacyVector.dequantQ4(src, offset, BYTES, 4, 0, true, dst, dstOff, n);
        else dequantizeReference(src, offset, dst, dstOff, n);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return Simd.INT_KERNELS ? LegacyVector.dotQ4_1(w, offset, x, xStart, n) : dotReference(w, offset, x, xStart, n);
    }

    /**
     * As ggml_vec_dot_q4_1_q8_1 (generic): per block {@code d_w·d_x·Σ nibble·q8 + m_w·s_x}, where s_x = d_x·Σq8 is the
     * Q8_1 block sum (fp16).
     */
    public float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, o + 4 + j);
                isum += (q & 0xf) * q8[xo + j] + (q >> 4) * q8[xo + j + 16];
            }
            sum += (f16(w, o) * x.d[xo / QK]) * isum + f16(w, o + 2) * x.s[xo / QK];
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's quantize_row_q4_1_ref: d = (max − min)/15, m = min, quants {@code min(15, (int8)((x − min)/d + 0.5))}. */
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
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            putF16(dst, o, d);
            putF16(dst, o + 2, min);
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(15, (byte) (int) ((src[so + j] - min) * id + 0.5f));
                int xi1 = Math.min(15, (byte) (int) ((src[so + 16 + j] - min) * id + 0.5f));
                put8(dst, o + 4 + j, xi0 | (xi1 << 4));
            }
        }
    }
}
