package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Softmax} against double-precision references: each exponential within ggml_v_expf's stated error (1.45 + 0.5
 * ulp; checked at 2 ulp) across the whole range a softmax feeds it, including below −87, where results turn subnormal
 * and then zero (ggml's two-factor form, in the same vectors); probabilities within float rounding of the exact softmax, summing to 1, at lengths with and without
 * a scalar tail.
 */
class SoftmaxTest {

    @Test
    void eachExponentialIsWithinTwoUlpsOfExp() {
        Random r = new Random(3);
        int n = 1 << 16;
        float[] s = new float[n + 1];
        for (int i = 1; i <= n; i++) s[i] = -80f * r.nextFloat(); // normal results after the 1/sum (below: beyond)
        float[] x = s.clone(); // s[0] = 0, the maximum: every value is e^(x[i]) times the same reciprocal, s[0]
        Softmax.apply(s, n + 1, 1f);
        for (int i = 1; i <= n; i++) {
            double expect = Math.exp(x[i]);
            // s[i] = e·inv in one rounding and s[0] = inv exactly (e^0 is 1): the ratio is e within 2 + 1 ulps
            assertThat((double) s[i] / s[0]).as("e^%s", x[i]).isCloseTo(expect, within(3 * (double) Math.ulp((float) expect)));
        }
    }

    @Test
    void tinyResultsDownToSubnormalAreExpfs() {
        Random r = new Random(4);
        float[] s = new float[16 * 64];
        // chunks 0..31 within the vector path's range (−87.3), the others reaching below it
        // chunks 32..47 reach −110 (subnormal results), 48..63 −160 (zero from about −103.97, beyond 2^−192 below −133)
        for (int i = 0; i < s.length; i++) s[i] = i % 16 == 0 ? 0f : -25f - (i < 16 * 32 ? 62f : i < 16 * 48 ? 85f : 135f) * r.nextFloat();
        float[] x = s.clone();
        for (int c = 0; c < s.length; c += 16) {
            float[] chunk = java.util.Arrays.copyOfRange(s, c, c + 16);
            Softmax.apply(chunk, 16, 1f); // the sum is 1 + less than 2^-25: its reciprocal is exactly 1
            assertThat(chunk[0]).isEqualTo(1f);
            for (int i = 1; i < 16; i++) {
                double expect = Math.exp(x[c + i]);
                assertThat((double) chunk[i]).as("e^%s", x[c + i]).isCloseTo(expect, within(2.0 * Math.ulp((float) expect)));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 17, 80, 129, 1000})
    void probabilitiesAreWithinFloatRoundingOfTheExactSoftmax(int len) {
        Random r = new Random(len);
        float[] s = new float[len];
        for (int i = 0; i < len; i++) s[i] = (float) (r.nextGaussian() * 30);
        float scale = 0.125f;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : s) max = Math.max(max, (double) (v * scale));
        double[] e = new double[len];
        double sum = 0;
        for (int i = 0; i < len; i++) sum += e[i] = Math.exp((double) (s[i] * scale) - max);
        Softmax.apply(s, len, scale);
        double total = 0;
        for (int i = 0; i < len; i++) {
            // the float difference s·scale − max carries an error of up to ulp(max) / 2 into the exponent
            double tol = (3 * 0x1p-24 + Math.abs(max) * 0x1p-23) * e[i] / sum;
            assertThat((double) s[i]).as("p[%d]", i).isCloseTo(e[i] / sum, within(tol + 1e-45));
            total += s[i];
        }
        assertThat(total).isCloseTo(1.0, within(1e-5));
    }
}
