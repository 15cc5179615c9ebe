package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;

/** F16: IEEE half precision. */
public final class F16Codec extends Float16Codec {
    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    float toFloat(short bits) {
        return Half.toFloat(bits);
    }

    @Override
    short fromFloat(float f) {
        return Half.fromFloat(f);
    }

    @Override
    void dequantizeFast(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        LegacyVector.dequantF16(src, offset, dst, dstOff, n);
    }

    @Override
    float dotFast(MemorySegment w, long offset, float[] x, int xStart, int n) {
        return LegacyVector.dotF16(w, offset, x, xStart, n);
    }

    @Override
    void dot4Fast(MemorySegment w, long offset, long rowBytes, float[] x, int n, float[] y, int yo) {
        LegacyVector.dotF16x4(w, offset, rowBytes, x, n, y, yo);
    }
}
