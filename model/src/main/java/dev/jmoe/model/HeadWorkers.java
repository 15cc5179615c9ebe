package dev.jmoe.model;

import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Parallel;

/**
 * Attention runs one job per pool thread, each over a contiguous range of heads; this holds each worker's scratch
 * (its score row over the context and its own single-threaded {@link MatVec} for per-head products), allocated once
 * for the model and shared by all layers.
 */
final class HeadWorkers {
    final Parallel pool;
    final int workers;
    final float[][] scores; // [worker][ctx]
    final MatVec[] mv;      // [worker]
    /**
     * Kinds of per-worker batch scratch: MLA's q_nope [B, nope], q_abs [B, kv_lora], o_lat [B, kv_lora], o_head
     * [B, v_head]; for its blocked decode q_abs and o_lat of all the worker's heads [heads, B, kv_lora], and the
     * queries as the cache's dots take them [heads, kv_lora + rope].
     */
    static final int Q_NOPE = 0, Q_ABS = 1, O_LAT = 2, O_HEAD = 3, Q_ABS_HEADS = 4, O_LAT_HEADS = 5, Q_HEADS = 6;
    // [worker][kind]: shared by all layers, as they run one after another (per layer it was 141 MB for Moonlight at a
    // 512-token batch and 2 threads, and grows with threads × layers)
    private final float[][][] batchRows;
    /**
     * An F16 cache's rows of one slot converted to floats once per attention call, for all heads and tokens (MLA:
     * every head reads the same latent rows); shared by all layers.
     */
    float[] staged = new float[0];
    /**
     * [worker][row][ctx]: score rows of several heads or tokens at once: MLA's blocked decode (each head of the worker's
     * range), a head's four tokens ({@code Mla.tokens4}), GQA's heads in fours ({@code GqaAttention.fours}).
     */
    private float[][][] headScores;
    private final float[][] four;

    HeadWorkers(Parallel pool, int contextLength, dev.jmoe.tensor.DotOrder order) {
        this.pool = pool;
        this.workers = pool.threads();
        this.scores = new float[workers][contextLength];
        this.mv = new MatVec[workers];
        Parallel single = new Parallel(1);
        for (int w = 0; w < workers; w++) mv[w] = new MatVec(single, order);
        this.batchRows = new float[workers][7][0];
        this.four = new float[workers][32];
    }

    /** Makes every worker's scratch of {@code kind} hold at least {@code length} floats (at load, before any forward). */
    void reserve(int kind, int length) {
        for (float[][] r : batchRows) {
            if (r[kind].length < length) r[kind] = new float[length];
        }
    }

    /** Gives every worker at least {@code heads} score rows over the context (at load). */
    void reserveHeadScores(int heads) {
        if (headScores == null || headScores[0].length < heads) headScores = new float[workers][heads][scores[0].length];
    }

    /** Worker {@code w}'s 32 floats of scratch (a 4 × 4 tile's two dots, four rows' dots or weights). */
    float[] four(int w) {
        return four[w];
    }

    /** Worker {@code w}'s score rows ({@link #reserveHeadScores}). */
    float[][] headScores(int w) {
        return headScores[w];
    }

    /** The most heads any worker's range holds. */
    static int maxHeads(int workers, int nHead) {
        int most = 0;
        for (int w = 0; w < workers; w++) most = Math.max(most, first(w + 1, workers, nHead) - first(w, workers, nHead));
        return most;
    }

    /** Makes {@link #staged} hold at least {@code length} floats (at load). */
    void reserveStaged(int length) {
        if (staged.length < length) staged = new float[length];
    }

    /** Worker {@code w}'s scratch of {@code kind}. */
    float[] batchRows(int w, int kind) {
        return batchRows[w][kind];
    }

    /** First head of worker {@code w}'s range. */
    static int first(int w, int workers, int nHead) {
        return (int) ((long) nHead * w / workers);
    }

    /** Softmax of {@code s[0..len)} scaled by {@code scale}, as ggml's soft_max ({@link Softmax}). */
    static void softmax(float[] s, int len, float scale) {
        Softmax.apply(s, len, scale);
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        return VecOps.dot(a, ao, b, bo, n);
    }
}
