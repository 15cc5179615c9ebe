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

/**
 * Q5_0: blocks of 32 = {@code fp16 d; uint8 qh[4]; uint8 qs[16]} (22 bytes). Low 4 bits as Q4_0's nibbles, bit 5 of
 * value j is bit j of the little-endian uint32 qh; value = d · (q − 16).
 */
public final class Q5_0Codec implements Codec {
    static final int QK = 32, BYTES = 22;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_0;
    }

    /** As ggml's dequantize_row_q5_0. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            int qh = u32(src, o + 2);
            int y = dstOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 6 + j);
                int h0 = ((qh >>> j) << 4) & 0x10, h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = (((q & 0xf) | h0) - 16) * d;
                dst[y + j + 16] = (((q >> 4) | h1) - 16) * d;
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        if (Simd.INT_KERNELS) LegacyVector.dequantQ5(src, offset, BYTES, 2, -16, false, dst, dstOff, n);
        else dequantizeReference(src, offset, dst, dstOff, n);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return Simd.INT_KERNELS ? LegacyVector.dotQ5_0(w, offset, x, xStart, n) : dotReference(w, offset, x, xStart, n);
    }

    /** As ggml_vec_dot_q5_0_q8_0 (generic). */
    public float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int qh = u32(w, o + 2);
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, o + 6 + j);
                int v0 = ((q & 0xf) | (((qh >>> j) << 4) & 0x10)) - 16;
                int v1 = ((q >> 4) | ((qh >>> (j + 12)) & 0x10)) - 16;
                isum += v0 * q8[xo + j] + v1 * q8[xo + j + 16];
            }
            sum += isum * (f16(w, o) * x.d[xo / QK]);
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's quantize_row_q5_0_ref: d = max/−16, quants {@code min(31, (int8)(x/d + 16.5))}. */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            int so = srcOff + b * QK;
            long o = dstOffset + (long) b * BYTES;
            float d = Blocks.signedAbsMax(src, so, QK) / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            putF16(dst, o, d);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(31, (byte) (int) (src[so + j] * id + 16.5f));
                int xi1 = Math.min(31, (byte) (int) (src[so + 16 + j] * id + 16.5f));
                put8(dst, o + 6 + j, (xi0 & 0xf) | ((xi1 & 0xf) << 4));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            put32(dst, o + 2, qh);
        }
    }
}
