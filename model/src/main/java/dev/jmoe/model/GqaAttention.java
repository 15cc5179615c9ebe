package dev.jmoe.model;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Parallel;

/**
 * Grouped-query attention over a per-layer F32 KV cache (llama.cpp's {@code build_attn} without flash attention):
 * query head h reads KV head {@code h / (n_head / n_head_kv)}; scores scaled by {@code kq_scale}, causal softmax,
 * weighted sum of V.
 */
final class GqaAttention {
    final int nHead, nKv, headDim;
    private final float[][] k, v;     // [slot][ctx, n_kv * head_dim], F32 cache (else null)
    private final short[][] k16, v16; // the same in F16 half bits, F16 cache (else null)
    private final Q8Rows k8, v8;      // the same in Q8_0 blocks, Q8_0 cache (else null)
    private final Activations[] qq;   // per worker: one query head quantized to Q8_0 (Q8_0 cache)
    private final float[][] vr;       // per worker: [head_dim] one dequantized value head (Q8_0 cache)
    private final float[][] qh;     // per worker: one query head rounded to F16
    private final HeadWorkers hw;
    private final Parallel.Range task = this::work;

    private float[] q, out;
    private int[] slot, pos;
    private int n;
    private float kqScale;

    /**
     * @param type F16: queries and probabilities rounded to F16, as ggml's F16 mul_mat does; Q8_0: K and V rows as
     *             Q8_0 blocks (head_dim a multiple of 32), queries quantized to Q8_0 for integer dots, V dequantized
     */
    GqaAttention(int nHead, int nKv, int headDim, int contextLength, int slots, LoadOptions.CacheType type, HeadWorkers hw) {
        if (nKv < 1 || nHead % nKv != 0) throw new ModelFormatException("head count " + nHead + " is not a multiple of the KV head count " + nKv);
        this.nHead = nHead;
        this.nKv = nKv;
        this.headDim = headDim;
        int kvDim = nKv * headDim;
        int size = Math.multiplyExact(contextLength, kvDim);
        // one array per slot: a slot's region is indexed by position alone, and slots × ctx may exceed an array
        boolean f16 = type == LoadOptions.CacheType.F16, q8 = type == LoadOptions.CacheType.Q8_0;
        if (q8 && headDim % Q8Rows.BLOCK != 0) throw new IllegalArgumentException("a Q8_0 KV cache needs a head size in blocks of 32, got " + headDim + " (use an f16 or f32 cache)");
        this.k = f16 || q8 ? null : new float[slots][size];
        this.v = f16 || q8 ? null : new float[slots][size];
        this.k16 = f16 ? new short[slots][size] : null;
        this.v16 = f16 ? new short[slots][size] : null;
        this.k8 = q8 ? new Q8Rows(kvDim, contextLength, slots, "K") : null;
        this.v8 = q8 ? new Q8Rows(kvDim, contextLength, slots, "V") : null;
        this.qq = new Activations[hw.workers];
        for (int w = 0; w < hw.workers; w++) qq[w] = new Activations();
        this.vr = new float[hw.workers][headDim];
        this.qh = new float[hw.workers][headDim];
        this.hw = hw;
        if (k != null && (nHead / nKv) % 4 == 0) hw.reserveHeadScores(4); // heads4's four score rows
    }

    long cacheBytes() {
        if (k8 != null) return k8.bytes() + v8.bytes();
        return k != null ? 4L * 2 * k.length * k[0].length : 2L * 2 * k16.length * k16[0].length;
    }

    /** Stores token t's roped key and value ([n, n_kv * head_dim] each) at slot[t], position pos[t]. */
    void store(float[] kNew, float[] vNew, int n, int[] slot, int[] pos) {
        int kvDim = nKv * headDim;
        for (int t = 0; t < n; t++) {
            int c = pos[t] * kvDim, s = slot[t];
            if (k != null) {
                System.arraycopy(kNew, t * kvDim, k[s], c, kvDim);
                System.arraycopy(vNew, t * kvDim, v[s], c, kvDim);
            } else if (k8 != null) {
                k8.store(s, pos[t], kNew, t * kvDim);
                v8.store(s, pos[t], vNew, t * kvDim);
            } else {
                for (int i = 0; i < kvDim; i++) {
                    k16[s][c + i] = Float.floatToFloat16(kNew[t * kvDim + i]);
                    v16[s][c + i] = Float.floatToFloat16(vNew[t * kvDim + i]);
                }
            }
        }
    }

    /**
     * Token t attends over positions 0..pos[t] of its slot.
     *
     * @param q   [n, n_head * head_dim] roped queries
     * @param out [n, n_head * head_dim]
     */
    void attend(float[] q, int n, int[] slot, int[] pos, float kqScale, float[] out) {
        this.q = q;
        this.n = n;
        this.slot = slot;
        this.pos = pos;
        this.kqScale = kqScale;
        this.out = out;
        hw.pool.run(hw.workers, task);
        this.q = null;
        this.out = null;
        this.slot = null;
        this.pos = null;
    }

    private void work(int from, int to) {
        boolean groups = k != null && (nHead / nKv) % 4 == 0;
        for (int w = from; w < to; w++) {
            int h1 = HeadWorkers.first(w + 1, hw.workers, nHead);
            for (int h = HeadWorkers.first(w, hw.workers, nHead); h < h1; h++) {
                if (groups && h % 4 == 0 && h + 4 <= h1) {
                    heads4(w, h);
                    h += 3;
                } else {
                    head(w, h);
                }
            }
        }
    }

    /**
     * F32 cache, query heads h..h+3 (one KV head: the group size is a multiple of 4): each K and V row is read once for
     * the four, in 4 heads × 4 rows tiles ({@link VecOps#dot4x4}, {@link VecOps#axpy4x4}); per head and token the same
     * dots, softmax and sums as {@link #head} (the same bits).
     */
    private void heads4(int w, int h) {
        float[][] sc = hw.headScores(w);
        float[] t16 = hw.four(w);
        int kvDim = nKv * headDim, kv0 = (h / (nHead / nKv)) * headDim, qDim = nHead * headDim;
        for (int t = 0; t < n; t++) {
            int len = pos[t] + 1, s = slot[t], q0 = t * qDim + h * headDim, p = 0;
            java.util.Arrays.fill(out, q0, q0 + 4 * headDim, 0f);
            float[] k = this.k[s], v = this.v[s];
            for (; p + 4 <= len; p += 4) {
                int r = p * kvDim + kv0;
                VecOps.dot4x4(q, q0, q0 + headDim, q0 + 2 * headDim, q0 + 3 * headDim, k, r, r + kvDim, r + 2 * kvDim, r + 3 * kvDim, headDim, t16, 0);
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 4; j++) sc[i][p + j] = t16[4 * i + j];
                }
            }
            for (; p < len; p++) {
                for (int i = 0; i < 4; i++) sc[i][p] = HeadWorkers.dot(q, q0 + i * headDim, k, p * kvDim + kv0, headDim);
            }
            for (int i = 0; i < 4; i++) HeadWorkers.softmax(sc[i], len, kqScale);
            for (p = 0; p + 4 <= len; p += 4) {
                int r = p * kvDim + kv0;
                VecOps.axpy4x4(sc[0], sc[1], sc[2], sc[3], p, v, r, r + kvDim, r + 2 * kvDim, r + 3 * kvDim,
                        out, q0, q0 + headDim, q0 + 2 * headDim, q0 + 3 * headDim, headDim, false);
            }
            for (; p < len; p++) {
                for (int i = 0; i < 4; i++) VecOps.axpy(sc[i][p], v, p * kvDim + kv0, out, q0 + i * headDim, headDim);
            }
        }
    }

    private void head(int w, int h) {
        float[] sc = hw.scores[w];
        int kvDim = nKv * headDim, kvh = h / (nHead / nKv), qDim = nHead * headDim;
        for (int t = 0; t < n; t++) {
            int len = pos[t] + 1, s = slot[t], q0 = t * qDim + h * headDim;
            java.util.Arrays.fill(out, q0, q0 + headDim, 0f);
            if (k != null) {
                float[] k = this.k[s], v = this.v[s];
                for (int p = 0; p < len; p++) sc[p] = HeadWorkers.dot(q, q0, k, p * kvDim + kvh * headDim, headDim);
                HeadWorkers.softmax(sc, len, kqScale);
                for (int p = 0; p < len; p++) VecOps.axpy(sc[p], v, p * kvDim + kvh * headDim, out, q0, headDim);
            } else if (k8 != null) {
                Activations qq8 = qq[w].prepare(GgmlType.Q8_0, q, q0, headDim, 1); // this head's query as Q8_0 blocks
                float[] vrow = vr[w];
                for (int p = 0; p < len; p++) sc[p] = k8.dot(s, p, kvh * headDim, qq8, 0, headDim);
                HeadWorkers.softmax(sc, len, kqScale);
                for (int p = 0; p < len; p++) {
                    v8.dequantize(s, p, kvh * headDim, vrow, headDim);
                    VecOps.axpy(sc[p], vrow, 0, out, q0, headDim);
                }
            } else {
                short[] k16 = this.k16[s], v16 = this.v16[s];
                float[] qr = qh[w];
                for (int i = 0; i < headDim; i++) qr[i] = VecOps.roundHalf(q[q0 + i]);
                for (int p = 0; p < len; p++) sc[p] = VecOps.dot16(qr, 0, k16, p * kvDim + kvh * headDim, headDim);
                HeadWorkers.softmax(sc, len, kqScale);
                for (int p = 0; p < len; p++) VecOps.axpy16(VecOps.roundHalf(sc[p]), v16, p * kvDim + kvh * headDim, out, q0, headDim);
            }
        }
    }
}
