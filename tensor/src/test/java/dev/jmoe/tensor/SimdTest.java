package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link Simd#sumTree} is the fixed pairwise tree: each level adds lane i and lane i + half, down to one lane; its
 * stored-lanes form gives the same bits, and so do L vectors folded in pairs level by level ({@link Simd#fold}).
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

    @Test
    void foldingVectorsInPairsGivesEachItsTreeSum() {
        Random r = new Random(11);
        int l = Simd.FLOATS.length();
        for (int round = 0; round < 20; round++) {
            float[][] lanes = new float[l][l];
            FloatVector[] v = new FloatVector[l];
            for (int j = 0; j < l; j++) {
                for (int i = 0; i < l; i++) lanes[j][i] = (float) r.nextGaussian() * (1 << r.nextInt(20));
                v[j] = FloatVector.fromArray(Simd.FLOATS, lanes[j], 0);
            }
            for (int level = 0; v.length > 1; level++) { // L vectors → L/2 → … → 1, each pair in order
                FloatVector[] next = new FloatVector[v.length / 2];
                for (int k = 0; k < next.length; k++) next[k] = Simd.fold(v[2 * k], v[2 * k + 1], level);
                v = next;
            }
            for (int j = 0; j < l; j++) {
                assertThat(Float.floatToRawIntBits(v[0].lane(j))).as("vector %d", j)
                        .isEqualTo(Float.floatToRawIntBits(Simd.sumTree(lanes[j].clone(), 0)));
            }
        }
    }
}
