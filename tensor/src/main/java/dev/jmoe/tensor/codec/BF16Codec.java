package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_SHORT;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;

/** BF16: bfloat16 (the top 16 bits of an F32). */
public final class BF16Codec implements Codec {
    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = Half.bf16ToFloat(src.get(LE_SHORT, offset + 2L * i));
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.F32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        if (dev.jmoe.tensor.Simd.FLOAT_KERNELS) LegacyVector.dequantBf16(src, offset, dst, dstOff, n);
        else dequantizeReference(src, offset, dst, dstOff, n);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        if (dev.jmoe.tensor.Simd.FLOAT_KERNELS) return LegacyVector.dotBf16(w, offset, x.f, xStart, n);
        return dotReference(w, offset, x, xStart, n);
    }

    /** Σ w·x in float with FMA, element by element (ggml's F32 activations). */
    public float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        float[] f = x.f;
        float sum = 0;
        for (int i = 0; i < n; i++) sum = Math.fma(Half.bf16ToFloat(w.get(LE_SHORT, offset + 2L * i)), f[xStart + i], sum);
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int i = 0; i < n; i++) dst.set(LE_SHORT, dstOffset + 2L * i, Half.floatToBf16(src[srcOff + i]));
    }
}
