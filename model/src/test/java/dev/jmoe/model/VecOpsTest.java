package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The F16-operand dot and axpy of the F16 KV cache against a double-precision sum of {@link Float#float16ToFloat}
 * values: within float rounding for random halves (normal, subnormal, zero) at lengths with and without a scalar
 * tail, and infinities and NaN converted as {@code float16ToFloat} converts them.
 */
class VecOpsTest {
    private static short[] halves(Random r, int n) {
        short[] h = new short[n];
        for (int i = 0; i < n; i++) {
            h[i] = switch (r.nextInt(8)) {
                case 0 -> (short) r.nextInt(0x400); // subnormal or zero
                case 1 -> (short) (0x8000 | r.nextInt(0x400));
                default -> Float.floatToFloat16((float) r.nextGaussian() * 4);
            };
        }
        return h;
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 16, 31, 64, 512, 576, 577})
    void dot16AndAxpy16AreWithinFloatRoundingOfDoubleSums(int n) {
        Random r = new Random(n);
        short[] b = halves(r, n + 3);
        float[] a = new float[n + 2];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        double exact = 0, mag = 0;
        for (int i = 0; i < n; i++) {
            double p = (double) a[2 + i] * Float.float16ToFloat(b[3 + i]);
            exact += p;
            mag += Math.abs(p);
        }
        assertThat((double) VecOps.dot16(a, 2, b, 3, n)).isCloseTo(exact, within(4 * Math.ulp((float) mag) * Math.sqrt(n) + 1e-30));

        float[] y = new float[n + 1];
        for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
        float[] y0 = y.clone();
        VecOps.axpy16(0.37f, b, 3, y, 1, n);
        assertThat(y[0]).isEqualTo(y0[0]);
        for (int i = 0; i < n; i++) {
            double e = y0[1 + i] + (double) 0.37f * Float.float16ToFloat(b[3 + i]); // one rounding (FMA) of this
            assertThat((double) y[1 + i]).as("y[%d]", 1 + i).isCloseTo(e, within(0.50001 * Math.ulp((float) Math.abs(e)) + 1e-45));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 16, 31, 48, 64, 80, 512, 576, 577})
    void stagedFloatsGiveTheF16RowsBits(int n) {
        Random r = new Random(100 + n);
        short[] b = halves(r, n + 3);
        b[3] = (short) 0x7c00; // an infinity converts the same way in both
        float[] a = new float[n + 2];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        float[] staged = new float[n];
        VecOps.stage(b, 3, staged, n);
        for (int i = 0; i < n; i++) assertThat(staged[i]).isEqualTo(Float.float16ToFloat(b[3 + i]));
        a[2] = 0f; // inf · 0: NaN in both
        assertThat(VecOps.dotStaged(a, 2, staged, 0, n)).isNaN();
        assertThat(VecOps.dot16(a, 2, b, 3, n)).isNaN();
        b[3] = 0x3c00;
        VecOps.stage(b, 3, staged, n);
        float dot = VecOps.dot16(a, 2, b, 3, n);
        assertThat(Float.floatToRawIntBits(VecOps.dotStaged(a, 2, staged, 0, n))).isEqualTo(Float.floatToRawIntBits(dot));
        float[] y = new float[n + 1], z;
        for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
        z = y.clone();
        VecOps.axpy16(-0.61f, b, 3, y, 1, n);
        VecOps.axpyStaged(-0.61f, staged, 0, z, 1, n);
        assertThat(z).containsExactly(y);
    }

    @ParameterizedTest
    @ValueSource(shorts = {(short) 0x7c00, (short) 0xfc00, (short) 0x7e00, (short) 0x7c01})
    void infinitiesAndNanConvertAsFloat16ToFloat(short special) {
        int n = 64;
        short[] b = new short[n];
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        b[40] = special;
        float want = Float.float16ToFloat(special);
        float[] y = new float[n];
        VecOps.axpy16(1f, b, 0, y, 0, n);
        if (Float.isNaN(want)) {
            assertThat(VecOps.dot16(a, 0, b, 0, n)).isNaN();
            assertThat(y[40]).isNaN();
        } else {
            assertThat(VecOps.dot16(a, 0, b, 0, n)).isEqualTo(want); // ±inf
            assertThat(y[40]).isEqualTo(want);
        }
        assertThat(y[39]).isZero();
    }

    /**
     * The four-row forms MLA's blocked decode uses give each row the bits of the one-row form: {@link VecOps#dot4} of
     * {@link VecOps#dot}, {@link VecOps#dotStaged4} of {@link VecOps#dotStaged}, {@link VecOps#axpy4} of four
     * {@link VecOps#axpy}s (or {@link VecOps#axpyStaged}s) in order, with and without a scalar tail.
     */
    @ParameterizedTest
    @ValueSource(ints = {5, 16, 31, 48, 64, 80, 512, 576, 577})
    void fourRowFormsGiveTheOneRowBits(int n) {
        Random r = new Random(300 + n);
        int stride = n + 7;
        float[] a = new float[n + 3], b = new float[4 * stride + 1], out = new float[6];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        VecOps.dot4(a, 3, b, 1, 1 + stride, 1 + 2 * stride, 1 + 3 * stride, n, out, 1);
        for (int k = 0; k < 4; k++) assertThat(out[1 + k]).as("dot4 row %d", k).isEqualTo(VecOps.dot(a, 3, b, 1 + k * stride, n));
        VecOps.dotStaged4(a, 3, b, 1, 1 + stride, 1 + 2 * stride, 1 + 3 * stride, n, out, 2);
        for (int k = 0; k < 4; k++) assertThat(out[2 + k]).as("dotStaged4 row %d", k).isEqualTo(VecOps.dotStaged(a, 3, b, 1 + k * stride, n));
        float[] alpha = {0f, 0.3f, -1.7f, 0.01f, 2.5f};
        for (boolean fused : new boolean[] {false, true}) {
            float[] y = new float[n + 2];
            for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
            float[] one = y.clone();
            VecOps.axpy4(alpha, 1, b, 1, 1 + stride, 1 + 2 * stride, 1 + 3 * stride, y, 2, n, fused);
            for (int k = 0; k < 4; k++) {
                if (fused) VecOps.axpyStaged(alpha[1 + k], b, 1 + k * stride, one, 2, n);
                else VecOps.axpy(alpha[1 + k], b, 1 + k * stride, one, 2, n);
            }
            assertThat(y).as("axpy4, fused tail %s", fused).isEqualTo(one);
        }
    }

    /**
     * The tiles of MLA's blocked decode: {@link VecOps#dot4x4}, {@link VecOps#dotStaged4x2} and {@link VecOps#axpy4x4}
     * give each pair the one-row bits.
     */
    @ParameterizedTest
    @ValueSource(ints = {5, 16, 31, 64, 512, 577})
    void fourByFourTilesGiveTheOneRowBits(int n) {
        Random r = new Random(500 + n);
        int stride = n + 5;
        float[] a = new float[4 * stride + 2], b = new float[4 * stride + 1], out = new float[18];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        VecOps.dot4x4(a, 2, 2 + stride, 2 + 2 * stride, 2 + 3 * stride, b, 1, 1 + stride, 1 + 2 * stride, 1 + 3 * stride, n, out, 2);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(out[2 + 4 * i + j]).as("dot4x4 %d,%d", i, j).isEqualTo(VecOps.dot(a, 2 + i * stride, b, 1 + j * stride, n));
            }
        }
        VecOps.dotStaged4x2(a, 2, 2 + stride, 2 + 2 * stride, 2 + 3 * stride, b, 1, 1 + 2 * stride, n, out, 1);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 2; j++) {
                assertThat(out[1 + 2 * i + j]).as("dotStaged4x2 %d,%d", i, j).isEqualTo(VecOps.dotStaged(a, 2 + i * stride, b, 1 + 2 * j * stride, n));
            }
        }
        float[][] p = new float[4][6];
        for (float[] pi : p) for (int j = 0; j < pi.length; j++) pi[j] = (float) r.nextGaussian();
        for (boolean fused : new boolean[] {false, true}) {
            float[] y = new float[4 * stride + 3];
            for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
            float[] one = y.clone();
            VecOps.axpy4x4(p[0], p[1], p[2], p[3], 2, b, 1, 1 + stride, 1 + 2 * stride, 1 + 3 * stride, y, 3, 3 + stride, 3 + 2 * stride, 3 + 3 * stride, n, fused);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    if (fused) VecOps.axpyStaged(p[i][2 + j], b, 1 + j * stride, one, 3 + i * stride, n);
                    else VecOps.axpy(p[i][2 + j], b, 1 + j * stride, one, 3 + i * stride, n);
                }
            }
            assertThat(y).as("axpy4x4, fused tail %s", fused).isEqualTo(one);
        }
    }
}
