package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.Layouts;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Routing rules of build_moe_ffn on hand-worked cases (the router logits are the gate matrix itself: h = [1]). */
class RouterTest {
    static Matrix column(float... v) {
        MemorySegment s = Arena.ofAuto().allocate(4L * v.length, 4);
        for (int i = 0; i < v.length; i++) s.set(Layouts.LE_FLOAT, 4L * i, v[i]);
        return new Matrix("ffn_gate_inp", GgmlType.F32, Codecs.of(GgmlType.F32), s, 1, v.length);
    }

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private final MatVec mv = new MatVec(new Parallel(1));

    @Test
    void v3GroupLimitedSigmoidWithSelectionBias() {
        // 8 experts in 4 groups of 2, keep 2 groups, pick 2. Bias +5 on expert 1 makes it chosen although its
        // probability is low; its weight stays the unbiased sigmoid. Group scores (sum of the 2 biased scores):
        // g0 = .881 + 5.269, g1 = .622 + .599, g2 = .818 + .802, g3 = .953 + .119 -> keep g0, g2, so expert 7
        // (the most probable) is masked out. Best of {0, 1, 4, 5} by biased score: 1, then 0.
        float[] bias = {0, 5, 0, 0, 0, 0, 0, 0};
        Router r = new Router(column(2.0f, -1.0f, 0.5f, 0.4f, 1.5f, 1.4f, -2.0f, 3.0f), bias, Router.Gating.SIGMOID, 2, 4, 2, true, 2.5f, 1);
        int[] ids = new int[2];
        float[] w = new float[2];
        r.route(mv, new float[] {1}, 1, ids, w);
        assertThat(ids).containsExactly(1, 0);
        double s = sig(-1) + sig(2);
        assertThat(w[0]).isCloseTo((float) (sig(-1) / s * 2.5), within(1e-6f));
        assertThat(w[1]).isCloseTo((float) (sig(2) / s * 2.5), within(1e-6f));
    }

    @Test
    void v2SoftmaxWithoutNormalization() {
        Router r = new Router(column(1, 2, 3, 0), null, Router.Gating.SOFTMAX, 2, 1, 1, false, 1.0f, 1);
        int[] ids = new int[2];
        float[] w = new float[2];
        r.route(mv, new float[] {1}, 1, ids, w);
        assertThat(ids).containsExactly(2, 1);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(0);
        assertThat(w[0]).isCloseTo((float) (Math.exp(3) / z), within(1e-6f));
        assertThat(w[1]).isCloseTo((float) (Math.exp(2) / z), within(1e-6f));
    }

    @Test
    void tinyWeightSumIsClampedAtTheSmallestNormalHalf() {
        Router r = new Router(column(-20, -21, -22, -23), null, Router.Gating.SIGMOID, 2, 1, 1, true, 0f, 1);
        int[] ids = new int[2];
        float[] w = new float[2];
        r.route(mv, new float[] {1}, 1, ids, w);
        assertThat(ids).containsExactly(0, 1);
        assertThat(w[0]).isCloseTo((float) (sig(-20) / 6.103515625e-5), within(1e-9f));
    }
}
