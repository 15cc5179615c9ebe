package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Pairing and angles of {@link Rope} without scaling, against the textbook formula
 * {@code θ_i = pos · base^(-2i/n_rot)}: NORMAL rotates (x[2i], x[2i+1]) (llama, deepseek2), NEOX rotates
 * (x[i], x[i + n_rot/2]) (qwen2); dims past n_rot are untouched. (YaRN is proven end to end by the deepseek2 goldens,
 * whose factor-40 YaRN changes every position > 0.)
 */
class RopeTest {
    static final int N = 8;
    static final float BASE = 10000f;

    static double theta(int pos, int i) {
        return pos * Math.pow(BASE, -2.0 * i / N);
    }

    static float[] rotate(boolean neox, int pos, float[] x) {
        Rope r = new Rope(N, neox, BASE, 1f, 0f, 1f, 4096, 32f, 1f, null);
        float[] cos = new float[N / 2], sin = new float[N / 2];
        r.angles(pos, cos, sin, 0);
        float[] y = x.clone();
        r.rotate(y, 0, cos, sin, 0);
        return y;
    }

    @Test
    void normalPairsAdjacentValues() {
        float[] x = new float[N + 4];
        for (int i = 0; i < N / 2; i++) x[2 * i] = 1; // (1, 0) in every pair
        for (int i = N; i < N + 4; i++) x[i] = 7;
        float[] y = rotate(false, 5, x);
        for (int i = 0; i < N / 2; i++) {
            assertThat((double) y[2 * i]).isCloseTo(Math.cos(theta(5, i)), within(2e-6));
            assertThat((double) y[2 * i + 1]).isCloseTo(Math.sin(theta(5, i)), within(2e-6));
        }
        for (int i = N; i < N + 4; i++) assertThat(y[i]).isEqualTo(7f);
    }

    @Test
    void neoxPairsHalves() {
        float[] x = new float[N];
        for (int i = 0; i < N / 2; i++) x[i] = 1; // (1, 0) in every pair (i, i + N/2)
        float[] y = rotate(true, 3, x);
        for (int i = 0; i < N / 2; i++) {
            assertThat((double) y[i]).isCloseTo(Math.cos(theta(3, i)), within(2e-6));
            assertThat((double) y[i + N / 2]).isCloseTo(Math.sin(theta(3, i)), within(2e-6));
        }
    }

    @Test
    void positionZeroIsIdentity() {
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
        assertThat(rotate(false, 0, x)).containsExactly(x);
    }
}
