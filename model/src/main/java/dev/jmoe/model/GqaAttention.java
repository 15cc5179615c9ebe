package dev.jmoe.model;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Parallel;

/**
 * Grouped-query attention over a per-layer KV cache (F32, F16 or Q8_0; llama.cpp's {@code build_attn} without flash attention):
 * query head h reads KV head {@code h / (n_head / n_head_kv)}; scores scaled by {@code kq_scale}, causal softmax,
 * weighted sum of V. Where the group size is a multiple of four (F32 and F16 caches), a worker's heads go in fours over
 * each block of cached rows together ({@link #fours}); otherwise, and over a Q8_0 cache, one head at a time.
 */
final class GqaAttention {
    final int nHead, nKv, headDim;
    private final float[][] k, v;     // [slot][ctx, n_kv * head_dim], F32 cache (else null)
    private final short[][] k16, v16; // the same in F16 half bits, F16 cache (else null)
    private final Q8Rows k8, v8;      // the same in Q8_0 blocks, Q8_0 cache (else null)
    private final Activations[] qq;   // per worker: one query head quantized to Q8_0 (Q8_0 cache)
    private final float[][] vr;       // per worker: [head_dim] one dequantized value head (Q8_0 cache)
    private final float[][] qh;     // per worker: one query head rounded to F16
    private final float[][] qr;     // per worker: [its heads, head_dim] the query heads rounded to F16 (fours, F16 cache)
    private final float[][] rows;   // per worker: [BLOCK, head_dim] a block of one KV head's F16 rows as floats (fours)
    private final HeadWorkers hw;
    private final boolean inFours;  // the group size is a multiple of four and the cache F32 or F16 (work)
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
        this.inFours = (nHead / nKv) % 4 == 0 && !q8;
        int heads = 4 * HeadWorkers.maxHeads(hw.workers, nHead / 4); // a worker's heads in fours (work)
        if (inFours) hw.reserveHeadScores(heads); // a score row for each of them (fours)
        this.qr = new float[inFours && f16 ? hw.workers : 0][heads * headDim];
        this.rows = new float[inFours && f16 ? hw.workers : 0][BLOCK * headDim];
    }

    /** Positions {@link #fours} takes at a time: 8 rows (of its KV heads' slices: 4 KB a KV head at head size 128 in F32). */
    private static final int BLOCK = 8;

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

    /**
     * Worker w's heads: whole fours where the group size is a multiple of four (F32, F16 caches; the fours split over
     * the workers, so none is cut and none falls back to one head at a time — with more workers than fours, some
     * workers have none: a four in the tiles costs about what one head costs alone), else {@code n_head·w/workers ..}.
     */
    private void work(int from, int to) {
        for (int w = from; w < to; w++) {
            if (inFours) {
                int u0 = 4 * HeadWorkers.first(w, hw.workers, nHead / 4), u1 = 4 * HeadWorkers.first(w + 1, hw.workers, nHead / 4);
                if (u1 > u0) fours(w, u0, u1);
                continue;
            }
            int h1 = HeadWorkers.first(w + 1, hw.workers, nHead);
            for (int h = HeadWorkers.first(w, hw.workers, nHead); h < h1; h++) head(w, h);
        }
    }

    /**
     * Query heads {@code [u0, u1)}, whole fours, each four on one KV head (the group size is a multiple of 4), over an
     * F32 or F16 cache. Each block of {@link #BLOCK} positions is scored by all the fours while its rows are in cache —
     * the fours' KV slices of a row lie side by side, so a block is read as a few contiguous runs instead of one head's
     * slice a row at a time — four heads × four rows at a time ({@link VecOps#dot4x4}; an F16 block converted to floats
     * once per four, {@link VecOps#stage}, and scored four heads × two rows, {@link VecOps#dotStaged4x2}), then, after
     * each head's softmax, summed the same way ({@link VecOps#axpy4x4}). Per head and token the same dots, softmax and
     * sums as {@link #head}, in its order: the same bits.
     */
    private void fours(int w, int u0, int u1) {
        float[][] sc = hw.headScores(w);
        float[] t16 = hw.four(w);
        boolean f16 = k == null;
        int kvDim = nKv * headDim, qDim = nHead * headDim, m = u1 - u0, group = nHead / nKv;
        for (int t = 0; t < n; t++) {
            int len = pos[t] + 1, s = slot[t], q0 = t * qDim + u0 * headDim;
            java.util.Arrays.fill(out, q0, q0 + m * headDim, 0f);
            float[] qs = q; // F16: the queries rounded to F16, at qs[k·head_dim] for head u0 + k
            int qo = q0;
            if (f16) {
                qs = qr[w];
                qo = 0;
                for (int i = 0; i < m * headDim; i++) qs[i] = VecOps.roundHalf(q[q0 + i]);
            }
            for (int p0 = 0; p0 < len; p0 += BLOCK) {
                int p1 = Math.min(len, p0 + BLOCK);
                for (int k4 = 0; k4 < m; k4 += 4) {
                    int kv0 = (u0 + k4) / group * headDim, a = qo + k4 * headDim, p = p0;
                    if (!f16) {
                        float[] kc = k[s];
                        for (; p + 4 <= p1; p += 4) {
                            int r = p * kvDim + kv0;
                            VecOps.dot4x4(qs, a, a + headDim, a + 2 * headDim, a + 3 * headDim, kc, r, r + kvDim, r + 2 * kvDim, r + 3 * kvDim, headDim, t16, 0);
                            for (int i = 0; i < 4; i++) {
                                for (int j = 0; j < 4; j++) sc[k4 + i][p + j] = t16[4 * i + j];
                            }
                        }
                        for (; p < p1; p++) {
                            for (int i = 0; i < 4; i++) sc[k4 + i][p] = HeadWorkers.dot(qs, a + i * headDim, kc, p * kvDim + kv0, headDim);
                        }
                        continue;
                    }
                    float[] kr = rows[w];
                    for (int r = p0; r < p1; r++) VecOps.stage(k16[s], r * kvDim + kv0, kr, (r - p0) * headDim, headDim);
                    VecOps.stagedScores4(qs, a, headDim, kr, 0, headDim, headDim, p0, p1, sc, k4, t16);
                }
            }
            for (int i = 0; i < m; i++) {
                HeadWorkers.softmax(sc[i], len, kqScale);
                if (f16) for (int p = 0; p < len; p++) sc[i][p] = VecOps.roundHalf(sc[i][p]); // as head() rounds each for axpy16
            }
            for (int p0 = 0; p0 < len; p0 += BLOCK) {
                int p1 = Math.min(len, p0 + BLOCK);
                for (int k4 = 0; k4 < m; k4 += 4) {
                    int kv0 = (u0 + k4) / group * headDim, o = q0 + k4 * headDim, p = p0, base = 0, rs = kvDim;
                    float[] vs;
                    if (f16) {
                        vs = rows[w];
                        for (int r = p0; r < p1; r++) VecOps.stage(v16[s], r * kvDim + kv0, vs, (r - p0) * headDim, headDim);
                        base = p0 * headDim;
                        rs = headDim;
                    } else {
                        vs = v[s];
                        base = -kv0;
                    }
                    for (; p + 4 <= p1; p += 4) {
                        int r = p * rs - base;
                        VecOps.axpy4x4(sc[k4], sc[k4 + 1], sc[k4 + 2], sc[k4 + 3], p, vs, r, r + rs, r + 2 * rs, r + 3 * rs,
                                out, o, o + headDim, o + 2 * headDim, o + 3 * headDim, headDim, f16);
                    }
                    for (; p < p1; p++) {
                        for (int i = 0; i < 4; i++) {
                            if (f16) VecOps.axpyStaged(sc[k4 + i][p], vs, p * rs - base, out, o + i * headDim, headDim);
                            else VecOps.axpy(sc[k4 + i][p], vs, p * rs - base, out, o + i * headDim, headDim);
                        }
                    }
                }
            }
        }
    }

    private void head(int w, int h) {
        float[] sc = hw.scores[w];
        int kvDim = nKv * headDim, kvh = h / (nHead / nKv), qDim = nHead * headDim;
        for (int t = 0; t < n; t++) {
            int len = pos[t] + 1, s = slot[t], q0 = t * qDim + h * headDim;
            java.util.Arrays.fill(out, q0, q0 + headDim, 0f);
            if (k != null) { // rows four at a time (dot4, axpy4: each row dot's and axpy's bits)
                float[] k = this.k[s], v = this.v[s];
                int kv0 = kvh * headDim, p = 0;
                for (; p + 4 <= len; p += 4) {
                    int r = p * kvDim + kv0;
                    VecOps.dot4(q, q0, k, r, r + kvDim, r + 2 * kvDim, r + 3 * kvDim, headDim, sc, p);
                }
                for (; p < len; p++) sc[p] = HeadWorkers.dot(q, q0, k, p * kvDim + kv0, headDim);
                HeadWorkers.softmax(sc, len, kqScale);
                for (p = 0; p + 4 <= len; p += 4) {
                    int r = p * kvDim + kv0;
                    VecOps.axpy4(sc, p, v, r, r + kvDim, r + 2 * kvDim, r + 3 * kvDim, out, q0, headDim, false);
                }
                for (; p < len; p++) VecOps.axpy(sc[p], v, p * kvDim + kv0, out, q0, headDim);
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
