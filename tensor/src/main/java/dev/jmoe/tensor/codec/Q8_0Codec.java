package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_SHORT;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;

/** Q8_0: blocks of 32 = {@code fp16 d; int8 qs[32]} (34 bytes); value = d · q. */
public final class Q8_0Codec implements Codec {
    static final int QK = 32, BYTES = 34;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = Half.toFloat(src.get(LE_SHORT, o));
            for (int j = 0; j < QK; j++) dst[dstOff + b * QK + j] = d * src.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o + 2 + j);
        }
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        if (dev.jmoe.tensor.Simd.INT_KERNELS) LegacyVector.dequantQ8_0(src, offset, dst, dstOff, n);
        else dequantizeReference(src, offset, dst, dstOff, n);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        if (Int8FloatKernels.ENABLED) {
            if (x.order() != dev.jmoe.tensor.DotOrder.GGML) throw new IllegalStateException("Q8_0 dot needs activations prepared in GGML order (FAST order is for dotRows)");
            return Int8FloatKernels.dotQ8_0(w, offset, x, xStart, n);
        }
        return dev.jmoe.tensor.Simd.INT_KERNELS ? LegacyVector.dotQ8_0(w, offset, x, xStart, n) : dotReference(w, offset, x, xStart, n);
    }

    @Override
    public void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        if (Int8FloatKernels.ENABLED && x.order() == dev.jmoe.tensor.DotOrder.FAST) Q8FloatKernels.rows(false, w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
        else if (Int8FloatKernels.ENABLED) Int8FloatKernels.rows(false, w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
        else Codec.super.dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
    }

    /** Σ_blocks (Σ_j w_q·x_q) · d_w · d_x, as ggml_vec_dot_q8_0_q8_0. */
    public float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q = x.q;
        float[] xd = x.d;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int isum = 0;
            for (int j = 0; j < QK; j++) isum += src8(w, o + 2 + j) * q[xo + j];
            sum += isum * (Half.toFloat(w.get(LE_SHORT, o)) * xd[xo / QK]);
        }
        return sum;
    }

    private static int src8(MemorySegment w, long at) {
        return w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d) (half away from zero). */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            int so = srcOff + b * QK;
            long o = dstOffset + (long) b * BYTES;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(src[so + j]));
            float d = amax / 127.f;
            float id = d != 0 ? 1.0f / d : 0;
            dst.set(LE_SHORT, o, Half.fromFloat(d));
            for (int j = 0; j < QK; j++) dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, o + 2 + j, (byte) dev.jmoe.tensor.Rounding.roundf(src[so + j] * id));
        }
    }
}
