package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;

/** BF16: bfloat16 (the top 16 bits of an F32). */
public final class BF16Codec extends Float16Codec {
    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    float toFloat(short bits) {
        return Half.bf16ToFloat(bits);
    }

    @Override
    short fromFloat(float f) {
        return Half.floatToBf16(f);
    }

    @Override
    void dequantizeFast(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        LegacyVector.dequantBf16(src, offset, dst, dstOff, n);
    }

    @Override
    float dotFast(MemorySegment w, long offset, float[] x, int xStart, int n) {
        return LegacyVector.dotBf16(w, offset, x, xStart, n);
    }

    @Override
    void dot4Fast(MemorySegment w, long offset, long rowBytes, float[] x, int n, float[] y, int yo) {
        LegacyVector.dotBf16x4(w, offset, rowBytes, x, n, y, yo);
    }
}
