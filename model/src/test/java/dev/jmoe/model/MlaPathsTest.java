package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.tensor.DotOrder;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MLA's two ways through a layer's heads give the same bits: tokens one call each (the blocked decode, {@code
 * Mla.heads}: a worker's heads together over each block of rows, four heads a tile, the heads left over by the thread
 * split on their own) and the same tokens as one batch ({@code Mla.head}: one head at a time, four tokens a tile), for
 * thread counts whose head ranges leave 0–3 heads over a multiple of four, over F32, F16 and Q8_0 caches.
 */
class MlaPathsTest {
    @ParameterizedTest
    @CsvSource({"10,1,F32", "10,2,F32", "10,3,F32", "10,4,F32", "13,3,F32", "10,3,F16", "13,2,F16", "10,4,F16", "10,3,Q8_0"})
    void oneTokenAtATimeGivesTheBatchsBits(int nHead, int threads, CacheType cache) {
        int nope = 32, rope = 32, kvLora = 64, vHead = 32, ctx = 40, stride = kvLora + rope, qDim = nHead * (nope + rope);
        SplittableRandom r = new SplittableRandom(nHead * 7L + threads);
        Matrix[] kB = new Matrix[nHead], vB = new Matrix[nHead];
        for (int h = 0; h < nHead; h++) {
            kB[h] = Q8CacheTest.f32Matrix("k_b" + h, nope, kvLora, r);
            vB[h] = Q8CacheTest.f32Matrix("v_b" + h, kvLora, vHead, r);
        }
        float[] kv = new float[ctx * stride];
        for (int i = 0; i < kv.length; i++) kv[i] = (float) r.nextGaussian();
        int[] at = {3, 17, 18, 25, 31, 32, 33, 39, 39, 12, 29, 36}; // 12 tokens (a batch above 8): short, tails, all rows
        int n = at.length;
        float[] q = new float[n * qDim];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        int[] slot = new int[ctx], pos = new int[ctx];
        for (int p = 0; p < ctx; p++) pos[p] = p;
        float[] batch = new float[n * nHead * vHead], single = new float[n * nHead * vHead];
        try (Parallel pool = new Parallel(threads)) {
            Mla mla = new Mla(kB, vB, nope, rope, kvLora, vHead, ctx, 1, n, cache, new HeadWorkers(pool, ctx, DotOrder.FAST));
            mla.store(kv, ctx, slot, pos);
            mla.attend(q, n, new int[n], at, 0.11f, batch);
            float[] one = new float[nHead * vHead];
            for (int t = 0; t < n; t++) {
                mla.attend(java.util.Arrays.copyOfRange(q, t * qDim, (t + 1) * qDim), 1, new int[1], new int[] {at[t]}, 0.11f, one);
                System.arraycopy(one, 0, single, t * nHead * vHead, nHead * vHead);
            }
        }
        assertThat(single).isEqualTo(batch);
    }
}
