package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The 4 × 4 tiles' side-by-side lane sums ({@link Q8FloatKernels#sums16x16}) give each accumulator the bits of the
 * one-vector tree ({@link Q8FloatKernels#sum}) that single-token rows use, at the lane its bit-reversed index names.
 */
class TileSumsTest {
    @Test
    void sixteenSumsSideBySideEqualSixteenTreeSums() {
        Assumptions.assumeTrue(FloatVector.SPECIES_PREFERRED.length() == 16, "512-bit kernels");
        Random r = new Random(12);
        for (int round = 0; round < 200; round++) {
            float[] s = new float[272];
            for (int i = 0; i < 256; i++) s[i] = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(40) - 20));
            float[] expect = new float[16];
            for (int k = 0; k < 16; k++) expect[k] = Q8FloatKernels.sum(FloatVector.fromArray(FloatVector.SPECIES_512, s, 16 * k));
            Q8FloatKernels.sums16x16(s);
            for (int k = 0; k < 16; k++) {
                int lane = Integer.reverse(k) >>> 28;
                assertThat(Float.floatToRawIntBits(s[256 + lane])).as("round %d accumulator %d", round, k).isEqualTo(Float.floatToRawIntBits(expect[k]));
            }
        }
    }
}
