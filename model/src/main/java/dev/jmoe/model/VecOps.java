package dev.jmoe.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Float dot product and axpy for the attention inner loops (Vector API, scalar tail); deterministic. */
final class VecOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VecOps() {}

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float s = 0;
        if (n >= S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
            }
            // lanes summed in a fixed order: reduceLanes' order differs between the interpreter and C2, and a
            // result that depends on JIT state would move MoE routing near-ties from run to run
            for (int l = 0; l < S.length(); l++) s += acc.lane(l);
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** {@code y[yo..+n) += alpha · x[xo..+n)}. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        if (n >= S.length()) {
            FloatVector va = FloatVector.broadcast(S, alpha);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    /** Dot product with an F16 operand (IEEE half bits), accumulated in float. */
    static float dot16(float[] a, int ao, short[] b, int bo, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[ao + i] * Float.float16ToFloat(b[bo + i]);
        return s;
    }

    /** {@code y[yo..+n) += alpha · x[xo..+n)} with x in F16. */
    static void axpy16(float alpha, short[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += alpha * Float.float16ToFloat(x[xo + i]);
    }

    /** Rounds to the nearest F16 value (ggml's fp32→fp16 conversion, round to nearest even). */
    static float roundHalf(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
