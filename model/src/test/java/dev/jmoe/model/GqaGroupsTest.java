package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.tensor.DotOrder;
import dev.jmoe.tensor.Parallel;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Grouped-query attention over an F32 or F16 cache, with query heads four to a KV head ({@code GqaAttention.fours}: a
 * worker's fours over each block of rows together, each row read (and converted) once for four heads, in tiles) or not: every head's output has the
 * bits of the one-head computation written out here with the same operations (F32: {@link VecOps#dot}, {@link Softmax},
 * {@link VecOps#axpy}; F16: the query rounded to F16, {@link VecOps#dot16}, the probabilities rounded,
 * {@link VecOps#axpy16}; in position order), for several tokens at different positions and for thread counts from one
 * to more than there are fours.
 */
class GqaGroupsTest {
    @ParameterizedTest
    @CsvSource({"8,2,64,1,F32", "8,2,64,2,F32", "8,2,64,3,F32", "16,2,48,2,F32", "8,4,64,2,F32", "12,3,40,2,F32",
            "8,2,64,1,F16", "8,2,64,3,F16", "16,2,48,2,F16", "12,3,40,2,F16", "8,2,72,2,F16", "16,4,32,6,F16", "16,4,32,6,F32"})
    void headsInGroupsOfFourHaveTheOneHeadBits(int nHead, int nKv, int hd, int threads, CacheType cache) {
        int ctx = 45, kvDim = nKv * hd, qDim = nHead * hd;
        SplittableRandom r = new SplittableRandom(nHead * 31L + nKv * 7L + hd + threads);
        float[] k = new float[ctx * kvDim], v = new float[ctx * kvDim];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextGaussian();
            v[i] = (float) r.nextGaussian();
        }
        short[] k16 = new short[k.length], v16 = new short[v.length];
        for (int i = 0; i < k.length; i++) {
            k16[i] = Float.floatToFloat16(k[i]);
            v16[i] = Float.floatToFloat16(v[i]);
        }
        int[] slot = new int[ctx], pos = new int[ctx];
        for (int p = 0; p < ctx; p++) pos[p] = p;
        int[] tPos = {2, 21, 44}; // three tokens: fewer rows than a tile, a tail after tiles, all rows
        float[] q = new float[tPos.length * qDim], out = new float[tPos.length * qDim];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        float scale = 0.17f;
        try (Parallel pool = new Parallel(threads)) {
            GqaAttention a = new GqaAttention(nHead, nKv, hd, ctx, 1, cache, new HeadWorkers(pool, ctx, DotOrder.FAST));
            a.store(k, v, ctx, slot, pos);
            a.attend(q, tPos.length, new int[tPos.length], tPos, scale, out);
        }
        for (int t = 0; t < tPos.length; t++) {
            for (int h = 0; h < nHead; h++) {
                int len = tPos[t] + 1, kv0 = h / (nHead / nKv) * hd, q0 = t * qDim + h * hd;
                float[] sc = new float[len], o = new float[hd];
                if (cache == CacheType.F32) {
                    for (int p = 0; p < len; p++) sc[p] = VecOps.dot(q, q0, k, p * kvDim + kv0, hd);
                    Softmax.apply(sc, len, scale);
                    for (int p = 0; p < len; p++) VecOps.axpy(sc[p], v, p * kvDim + kv0, o, 0, hd);
                } else {
                    float[] qr = new float[hd];
                    for (int i = 0; i < hd; i++) qr[i] = VecOps.roundHalf(q[q0 + i]);
                    for (int p = 0; p < len; p++) sc[p] = VecOps.dot16(qr, 0, k16, p * kvDim + kv0, hd);
                    Softmax.apply(sc, len, scale);
                    for (int p = 0; p < len; p++) VecOps.axpy16(VecOps.roundHalf(sc[p]), v16, p * kvDim + kv0, o, 0, hd);
                }
                float[] got = java.util.Arrays.copyOfRange(out, q0, q0 + hd);
                assertThat(got).as("token %d head %d", t, h).isEqualTo(o);
            }
        }
    }
}
