package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class Fp8E4M3Test {

    /** Independent decoding: build the float's IEEE bits from the fp8 fields (normal) or scale the mantissa (subnormal). */
    private static float fromBits(int c) {
        int s = c >> 7, e = (c >> 3) & 15, m = c & 7;
        if (e == 15 && m == 7) return Float.NaN;
        float mag = e == 0 ? (float) (m * Math.pow(2, -9)) : Float.intBitsToFloat((e - 7 + 127) << 23 | m << 20);
        return s == 1 ? -mag : mag;
    }

    @Test
    void all256CodesMatchTheirIeeeConstruction() {
        int nan = 0;
        for (int c = 0; c < 256; c++) {
            float v = Fp8E4M3.toFloat((byte) c);
            if (Float.isNaN(v)) nan++;
            assertThat(Float.floatToIntBits(v)).as("code 0x%02x", c).isEqualTo(Float.floatToIntBits(fromBits(c)));
            assertThat(Float.isInfinite(v)).isFalse();
        }
        assertThat(nan).isEqualTo(2);
        assertThat(Fp8E4M3.toFloat((byte) 0x7f)).isNaN();
        assertThat(Fp8E4M3.toFloat((byte) 0xff)).isNaN();
        assertThat(Fp8E4M3.toFloat((byte) 0x7e)).isEqualTo(448f);
        assertThat(Fp8E4M3.toFloat((byte) 0xfe)).isEqualTo(-448f);
        assertThat(Fp8E4M3.toFloat((byte) 0x78)).isEqualTo(256f);  // S.1111.000 is a number in the fn variant
        assertThat(Fp8E4M3.toFloat((byte) 0x38)).isEqualTo(1f);
        assertThat(Fp8E4M3.toFloat((byte) 0x01)).isEqualTo(0x1p-9f);
        assertThat(Fp8E4M3.toFloat((byte) 0x07)).isEqualTo(7 * 0x1p-9f);
        assertThat(Fp8E4M3.toFloat((byte) 0x08)).isEqualTo(0x1p-6f);
        assertThat(Float.floatToIntBits(Fp8E4M3.toFloat((byte) 0x80))).isEqualTo(Float.floatToIntBits(-0f));
    }

    @Test
    void everyRepresentableValueRoundTrips() {
        for (int c = 0; c < 256; c++) {
            if (c == 0x7f || c == 0xff) continue;
            assertThat(Fp8E4M3.fromFloat(Fp8E4M3.toFloat((byte) c)) & 0xff).as("code 0x%02x", c).isEqualTo(c);
        }
        assertThat(Fp8E4M3.fromFloat(Float.NaN)).isEqualTo((byte) 0x7f);
    }

    @Test
    void roundingIsNearestEvenAndSaturates() {
        assertThat(Fp8E4M3.toFloat(Fp8E4M3.fromFloat(1.0625f))).isEqualTo(1f);      // halfway 1 and 1.125 -> even (1)
        assertThat(Fp8E4M3.toFloat(Fp8E4M3.fromFloat(1.1875f))).isEqualTo(1.25f);   // halfway 1.125 and 1.25 -> even (1.25)
        assertThat(Fp8E4M3.toFloat(Fp8E4M3.fromFloat(1.07f))).isEqualTo(1.125f);
        assertThat(Fp8E4M3.toFloat(Fp8E4M3.fromFloat(0x1p-10f))).isEqualTo(0f);     // half the smallest subnormal -> even (0)
        assertThat(Fp8E4M3.toFloat(Fp8E4M3.fromFloat(0x1.8p-10f))).isEqualTo(0x1p-9f);
        assertThat(Fp8E4M3.toFloat(Fp8E4M3.fromFloat(0.0147f))).isEqualTo(0.015625f); // 7.53·2^-9 -> 8·2^-9 = 2^-6 (normal)
        assertThat(Fp8E4M3.toFloat(Fp8E4M3.fromFloat(470f))).isEqualTo(448f);
        assertThat(Fp8E4M3.toFloat(Fp8E4M3.fromFloat(-1e9f))).isEqualTo(-448f);
        assertThat(Fp8E4M3.toFloat(Fp8E4M3.fromFloat(Float.POSITIVE_INFINITY))).isEqualTo(448f);
    }

    @Property(tries = 200)
    void encodingPicksTheNearestCode(@ForAll float f) {
        if (Float.isNaN(f)) return;
        float got = Fp8E4M3.toFloat(Fp8E4M3.fromFloat(f));
        float target = Math.max(-448f, Math.min(448f, f));
        double best = Double.MAX_VALUE;
        for (int c = 0; c < 256; c++) {
            float v = Fp8E4M3.toFloat((byte) c);
            if (!Float.isNaN(v)) best = Math.min(best, Math.abs((double) v - target));
        }
        assertThat(Math.abs((double) got - target)).isEqualTo(best);
    }

    @Test
    void blockScalesIndexRowAndColumnBandsOnRaggedShapes() {
        int rows = 130, cols = 300; // scales [2, 3]: the last row band has 2 rows, the last column band 44 columns
        float[] scales = {1, 2, 3, 10, 20, 30};
        byte[] w = new byte[rows * cols];
        Random rnd = new Random(5);
        for (int i = 0; i < w.length; i++) {
            int c;
            do c = rnd.nextInt(256); while (c == 0x7f || c == 0xff);
            w[i] = (byte) c;
        }
        float[] out = new float[rows * cols + 3];
        Fp8E4M3.dequantize(MemorySegment.ofArray(w), 0, rows, cols, scales, out, 3);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float s = scales[(r / 128) * 3 + c / 128];
                assertThat(out[3 + r * cols + c]).as("[%d][%d]", r, c).isEqualTo(fromBits(w[r * cols + c] & 0xff) * s);
            }
        }
        assertThat(out[3 + 129 * cols + 299]).isEqualTo(fromBits(w[129 * cols + 299] & 0xff) * 30);
    }

    @Test
    void tooFewScalesIsAClearError() {
        assertThatThrownBy(() -> Fp8E4M3.dequantize(MemorySegment.ofArray(new byte[129 * 10]), 0, 129, 10, new float[1], new float[1290], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight_scale_inv [2, 1]");
    }
}
