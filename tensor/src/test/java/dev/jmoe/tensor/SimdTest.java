package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link Simd#sumTree} is the fixed pairwise tree: each level adds lane i and lane i + half, down to one lane; its
 * stored-lanes form gives the same bits.
 */
class SimdTest {
    @Test
    void laneSumIsTheFixedPairwiseTree() {
        Random r = new Random(9);
        for (int round = 0; round < 100; round++) {
            float[] v = new float[Simd.FLOATS.length()];
            for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * (1 << r.nextInt(20));
            float[] t = v.clone();
            for (int half = t.length / 2; half >= 1; half /= 2) {
                for (int i = 0; i < half; i++) t[i] += t[i + half];
            }
            assertThat(Float.floatToRawIntBits(Simd.sumTree(FloatVector.fromArray(Simd.FLOATS, v, 0)))).isEqualTo(Float.floatToRawIntBits(t[0]));
            // the stored-lanes form gives the same bits
            float[] stored = new float[v.length + 3];
            System.arraycopy(v, 0, stored, 3, v.length);
            assertThat(Float.floatToRawIntBits(Simd.sumTree(stored, 3))).isEqualTo(Float.floatToRawIntBits(t[0]));
        }
    }
}
