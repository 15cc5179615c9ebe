package dev.jmoe.model;

import dev.jmoe.tensor.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The attention softmax as ggml-cpu computes it ({@code ggml_compute_forward_soft_max_f32}, {@code ggml_vec_soft_max_f32}
 * in vec.cpp), with vector ops: scores times the scale, their maximum, {@code e^(x − max)} by ggml's vector exp
 * ({@code ggml_v_expf}: Arm's optimized-routines expf, at most 1.45 + 0.5 ulp from e^x), each vector's values summed
 * by a fixed tree (the order of {@code _mm512_reduce_add_ps}) into a double, then all multiplied by the float reciprocal
 * of the sum. Values below −87, where 2^n leaves float's normal exponents, take ggml_v_expf's own two-factor form in
 * the same vectors (they once fell back to {@code Math.exp} for the whole vector: a sharp head's long tail cost 16
 * scalar exps a vector). Scores past the last whole vector take {@code expf} as ggml's scalar tail does. Math.exp per
 * score was a third of dsv3-tiny's 128-token prefill.
 */
final class Softmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private Softmax() {}

    /** {@code s[0..len)} ← softmax({@code s·scale}). */
    static void apply(float[] s, int len, float scale) {
        int i = 0, up = S.loopBound(len);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i < up; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, s, i).mul(scale);
            v.intoArray(s, i);
            vmax = vmax.max(v);
        }
        float max = up > 0 ? vmax.reduceLanes(VectorOperators.MAX) : Float.NEGATIVE_INFINITY; // max: any order is exact
        for (; i < len; i++) {
            s[i] *= scale;
            max = Math.max(max, s[i]);
        }
        double sum = 0;
        for (i = 0; i < up; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, s, i).sub(max);
            // ggml_v_expf (the AVX2 form): n = round(x·log2 e) by the 1.5·2^23 shift, b = x − n·ln 2 in two parts,
            // e^b − 1 ≈ j (degree-5 polynomial), 2^n built in the exponent bits: e^x = k + k·j
            FloatVector z = x.fma(0x1.715476p+0f, 0x1.8p23f);
            FloatVector n = z.sub(0x1.8p23f);
            FloatVector b = n.fma(FloatVector.broadcast(S, -0x1.7f7d1cp-20f), n.fma(FloatVector.broadcast(S, -0x1.62e4p-1f), x));
            IntVector eb = (IntVector) z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
            FloatVector k = eb.add(0x3f800000).reinterpretAsFloats();
            FloatVector u = b.mul(b);
            FloatVector j = b.fma(0x1.0e4020p-7f, 0x1.573e2ep-5f).fma(u, b.fma(0x1.555e66p-3f, 0x1.fffdb6p-2f))
                    .fma(u, b.mul(0x1.ffffecp-1f));
            FloatVector e = j.fma(k, k);
            VectorMask<Float> special = n.abs().compare(VectorOperators.GT, 126f);
            if (special.anyTrue()) {
                // below −87: 2^n out of float's normal exponents, built as ggml_v_expf does from two factors (its
                // n ≤ 0 branch: the score's max gives x ≤ 0), s2 = 2^(n + 125) (the exponent bits less 0x82000000)
                // and s1 = 2^−125: e^x = (s2 + s2·j)·s1 in one final rounding into the subnormals; below n = −192,
                // s1·s1, zero. Constants only: a mask cast or a blend of a computed g allocated in some JIT states
                FloatVector s2 = eb.sub(0x82000000).reinterpretAsFloats();
                e = e.blend(s2.fma(j, s2).mul(0x1p-125f), special).blend(FloatVector.zero(S), n.compare(VectorOperators.LT, -192f));
            }
            e.intoArray(s, i);
            sum += Simd.sumTree(e);
        }
        for (; i < len; i++) {
            float v = (float) Math.exp(s[i] - max);
            s[i] = v;
            sum += v;
        }
        float inv = (float) (1.0 / sum);
        for (i = 0; i < up; i += S.length()) FloatVector.fromArray(S, s, i).mul(inv).intoArray(s, i);
        for (; i < len; i++) s[i] *= inv;
    }
}
