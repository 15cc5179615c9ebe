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
 * Q4_0: blocks of 32 = {@code fp16 d; uint8 qs[16]} (18 bytes). Byte j holds value j in its low nibble and value
 * j+16 in its high nibble; value = d · (nibble − 8).
 */
public final class Q4_0Codec implements Codec {
    static final int QK = 32, BYTES = 18;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_0;
    }

    /** As ggml's dequantize_row_q4_0. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            int y = dstOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 2 + j);
                dst[y + j] = ((q & 0xf) - 8) * d;
                dst[y + j + 16] = ((q >> 4) - 8) * d;
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        if (Simd.INT_KERNELS) LegacyVector.dequantQ4(src, offset, BYTES, 2, -8, false, dst, dstOff, n);
        else dequantizeReference(src, offset, dst, dstOff, n);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        if (Int8FloatKernels.ENABLED) {
            if (x.order() != dev.jmoe.tensor.DotOrder.GGML) throw new IllegalStateException("Q4_0 dot needs activations prepared in GGML order (FAST order is for dotRows)");
            return Int8FloatKernels.dotQ4_0(w, offset, x, xStart, n);
        }
        return Simd.INT_KERNELS ? LegacyVector.dotQ4_0(w, offset, x, xStart, n) : dotReference(w, offset, x, xStart, n);
    }

    @Override
    public void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        if (Int8FloatKernels.ENABLED && x.order() == dev.jmoe.tensor.DotOrder.FAST) Q8FloatKernels.rows(true, w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
        else if (Int8FloatKernels.ENABLED) Int8FloatKernels.rows(true, w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
        else Codec.super.dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
    }

    /** As ggml_vec_dot_q4_0_q8_0 (generic): per block Σ (nibble − 8)·q8 in int, times d_w·d_x, summed in float. */
    public float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, o + 2 + j);
                isum += ((q & 0xf) - 8) * q8[xo + j] + ((q >> 4) - 8) * q8[xo + j + 16];
            }
            sum += isum * (f16(w, o) * x.d[xo / QK]);
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /**
     * ggml's quantize_row_q4_0_ref: d = max/−8 with max the signed value of largest magnitude, quants
     * {@code min(15, (int8)(x/d + 8.5))} (truncation).
     */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            int so = srcOff + b * QK;
            long o = dstOffset + (long) b * BYTES;
            float d = Blocks.signedAbsMax(src, so, QK) / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            putF16(dst, o, d);
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(15, (byte) (int) (src[so + j] * id + 8.5f));
                int xi1 = Math.min(15, (byte) (int) (src[so + 16 + j] * id + 8.5f));
                put8(dst, o + 2 + j, xi0 | (xi1 << 4));
            }
        }
    }
}
