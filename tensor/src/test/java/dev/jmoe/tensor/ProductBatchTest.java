package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A batch of products in one dispatch gives, bit for bit, what each product gives alone, whatever the thread count. */
class ProductBatchTest {
    @ParameterizedTest
    @EnumSource(DotOrder.class)
    void eachJobEqualsItsOwnMatmul(DotOrder order) {
        // mixed types and token counts; jobs 0 and 1 read the same input (shared activations), job 3 a different slice
        Matrix[] w = {MatVecTest.randomMatrix(GgmlType.Q4_0, 1), MatVecTest.randomMatrix(GgmlType.Q8_0, 2),
                MatVecTest.randomMatrix(GgmlType.Q6_K, 3), MatVecTest.randomMatrix(GgmlType.Q4_0, 4)};
        int[] tokens = {5, 5, 1, 4};
        int[] xOff = {0, 0, 7 * MatVecTest.COLS, 2 * MatVecTest.COLS};
        int cols = MatVecTest.COLS, rows = MatVecTest.ROWS;
        float[] x = new float[12 * cols];
        Random rnd = new Random(11);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int threads : new int[] {1, 3}) {
            try (Parallel pool = new Parallel(threads)) {
                MatVec mv = new MatVec(pool, order);
                float[] all = new float[3 + 15 * rows]; // jobs' outputs side by side, after an offset of 3
                int[] yOff = new int[4];
                ProductBatch b = mv.batch();
                for (int j = 0, o = 3; j < 4; o += tokens[j] * rows, j++) {
                    yOff[j] = o;
                    b.add(w[j], x, xOff[j], tokens[j], all, o);
                }
                b.run();
                for (int j = 0; j < 4; j++) {
                    float[] alone = new float[tokens[j] * rows];
                    mv.matmul(w[j], java.util.Arrays.copyOfRange(x, xOff[j], xOff[j] + tokens[j] * cols), tokens[j], alone);
                    for (int i = 0; i < alone.length; i++) {
                        assertThat(Float.floatToIntBits(all[yOff[j] + i])).as("%s threads %d job %d value %d", order, threads, j, i)
                                .isEqualTo(Float.floatToIntBits(alone[i]));
                    }
                }
            }
        }
    }
}
