package dev.jmoe.tensor;

/** C rounding functions that the quantizers must reproduce bit-for-bit. */
public final class Rounding {
    private Rounding() {}

    /** C {@code roundf}: to nearest, halfway cases away from zero (Java's Math.round rounds them up). */
    public static int roundf(float x) {
        float a = Math.abs(x);
        float r = (float) Math.floor(a);
        if (a - r >= 0.5f) r += 1;
        return (int) Math.copySign(r, x);
    }

    /** ggml's {@code nearest_int}: round half to even (valid for |x| < 2^22). */
    public static int nearestInt(float x) {
        return (int) Math.rint(x);
    }
}
