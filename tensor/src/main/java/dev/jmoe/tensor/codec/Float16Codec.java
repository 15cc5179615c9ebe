package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_SHORT;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Simd;
import java.lang.foreign.MemorySegment;

/**
 * The two 16-bit float types (F16 and BF16): one value per 2 bytes, dotted against F32 activations with FMA as ggml
 * does. A subclass supplies the conversions and its vector kernels.
 */
abstract sealed class Float16Codec implements Codec permits F16Codec, BF16Codec {
    abstract float toFloat(short bits);

    abstract short fromFloat(float f);

    abstract void dequantizeFast(MemorySegment src, long offset, float[] dst, int dstOff, int n);

    abstract float dotFast(MemorySegment w, long offset, float[] x, int xStart, int n);

    /** Four rows of {@link #dotFast} from {@code offset}, {@code rowBytes} apart, into {@code y[yo..yo+4)}, each bit-identical to it. */
    abstract void dot4Fast(MemorySegment w, long offset, long rowBytes, float[] x, int n, float[] y, int yo);

    /** One token: rows of {@link LegacyVector#ROWS4_COLS} columns or more four at a time ({@link #dot4Fast}). */
    @Override
    public final void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        int n = x.length(), r = r0;
        if (nTok == 1 && Simd.FLOAT_KERNELS && n >= LegacyVector.ROWS4_COLS) {
            for (; r + 4 <= r1; r += 4) dot4Fast(w, r * rowBytes, rowBytes, x.f, n, y, yOff + r);
        }
        Codec.super.dotRows(w, rowBytes, r, r1, x, nTok, y, yOff, yStride);
    }

    @Override
    public final void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = toFloat(src.get(LE_SHORT, offset + 2L * i));
    }

    @Override
    public final GgmlType activationType() {
        return GgmlType.F32;
    }

    @Override
    public final void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        if (Simd.FLOAT_KERNELS) dequantizeFast(src, offset, dst, dstOff, n);
        else dequantizeReference(src, offset, dst, dstOff, n);
    }

    @Override
    public final float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        if (Simd.FLOAT_KERNELS) return dotFast(w, offset, x.f, xStart, n);
        return dotReference(w, offset, x, xStart, n);
    }

    /** Σ w·x in float with FMA, element by element (ggml's F32 activations). */
    public final float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        float[] f = x.f;
        float sum = 0;
        for (int i = 0; i < n; i++) sum = Math.fma(toFloat(w.get(LE_SHORT, offset + 2L * i)), f[xStart + i], sum);
        return sum;
    }

    @Override
    public final boolean canQuantize() {
        return true;
    }

    @Override
    public final void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int i = 0; i < n; i++) dst.set(LE_SHORT, dstOffset + 2L * i, fromFloat(src[srcOff + i]));
    }
}
