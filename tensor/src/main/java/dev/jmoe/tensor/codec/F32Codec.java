package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_FLOAT;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/** F32: plain little-endian floats. */
public final class F32Codec implements Codec {
    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = src.get(LE_FLOAT, offset + 4L * i);
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.F32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        if (dev.jmoe.tensor.Simd.FLOAT_KERNELS) LegacyVector.dequantF32(dev.jmoe.tensor.Simd.FLOATS, src, offset, dst, dstOff, n);
        else dequantizeReference(src, offset, dst, dstOff, n);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        if (dev.jmoe.tensor.Simd.FLOAT_KERNELS) return LegacyVector.dotF32(w, offset, x.f, xStart, n);
        return dotReference(w, offset, x, xStart, n);
    }

    /** One token: rows of {@link LegacyVector#ROWS4_COLS} columns or more four at a time ({@link LegacyVector#dotF32x4}). */
    @Override
    public void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        int n = x.length(), r = r0;
        if (nTok == 1 && dev.jmoe.tensor.Simd.FLOAT_KERNELS && n >= LegacyVector.ROWS4_COLS) {
            for (; r + 4 <= r1; r += 4) LegacyVector.dotF32x4(w, r * rowBytes, rowBytes, x.f, n, y, yOff + r);
        }
        Codec.super.dotRows(w, rowBytes, r, r1, x, nTok, y, yOff, yStride);
    }

    /** Σ w·x in float with FMA, element by element (ggml's F32 activations). */
    public float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        float[] f = x.f;
        float sum = 0;
        for (int i = 0; i < n; i++) sum = Math.fma(w.get(LE_FLOAT, offset + 4L * i), f[xStart + i], sum);
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int i = 0; i < n; i++) dst.set(LE_FLOAT, dstOffset + 4L * i, src[srcOff + i]);
    }
}
