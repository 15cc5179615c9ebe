package dev.jmoe.tensor;

/** IEEE half and bfloat16 conversions (round to nearest even, as F16C and ggml's converters do). */
public final class Half {
    private Half() {}

    public static float toFloat(short h) {
        return Float.float16ToFloat(h);
    }

    public static short fromFloat(float f) {
        return Float.floatToFloat16(f);
    }

    /** f rounded to the nearest half, back as a float. */
    public static float round(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** ggml_compute_fp32_to_bf16: round to nearest even, NaN kept quiet. */
    public static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }
}
