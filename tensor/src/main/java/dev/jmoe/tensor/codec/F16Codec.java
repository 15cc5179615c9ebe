package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;

/**
 * F16: IEEE half precision. {@link #FINITE} is the codec of weights known to hold no inf or NaN (the loader checks,
 * {@code Repack.markFinite}): its four-row dot leaves out the conversion's inf/NaN fix-up, with the same bits.
 */
public final class F16Codec extends Float16Codec {
    /** For weights checked free of inf and NaN (every value's exponent below 31); wrong for any other. */
    public static final F16Codec FINITE = new F16Codec(true);

    private final boolean finite;

    public F16Codec() {
        this(false);
    }

    private F16Codec(boolean finite) {
        this.finite = finite;
    }

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
        LegacyVector.dotF16x4(w, offset, rowBytes, x, n, y, yo, finite);
    }
}
