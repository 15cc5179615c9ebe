package dev.jmoe.model;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;

/**
 * DeepSeek multi-head latent attention in the absorbed form (llama.cpp's MLA path: {@code build_attn} with
 * {@code wv_b}), for one layer. The cache holds per token only the normalized latent {@code kv} [kv_lora] and the
 * roped {@code k_pe} [rope] — 576 floats for DeepSeek-V3 — shared by all heads. Per head:
 * {@code q_abs = attn_k_b[h] · q_nope} [kv_lora]; {@code score(p) = (q_abs·kv_p + q_pe·k_pe_p) · kq_scale};
 * softmax over positions ≤ the token's; {@code o_lat = Σ_p prob_p · kv_p} [kv_lora];
 * {@code o_head = attn_v_b[h] · o_lat} [v_head].
 */
final class Mla {
    final int nHead, nope, rope, kvLora, vHead;
    private final Matrix[] kB; // per head {nope, kv_lora}: rows kv_lora, cols nope
    private final Matrix[] vB; // per head {kv_lora, v_head}: rows v_head, cols kv_lora
    private final float[][] cache;   // [slot][ctx, kv_lora + rope] with an F32 cache, else null
    private final short[][] cache16; // the same in F16 (half bits) with an F16 cache, else null
    private final Q8Rows cache8;     // the same in Q8_0 blocks with a Q8_0 cache, else null
    private final Activations[] qq;  // per worker: [q_abs | q_pe] quantized to Q8_0 (Q8_0 cache)
    private final Activations[] qqHeads;   // per worker: its heads' [q_abs | q_pe] as Q8_0 blocks, one "token" a head (blocked decode)
    private final float[][] vr;      // per worker: [BLOCK, kv_lora + rope] a block's cache rows as floats (Q8_0, F16 caches)
    private final int stride;
    private final HeadWorkers hw;
    private final float[][] qh;             // per worker: [kv_lora + rope] one query (rounded to F16 with an F16 cache)
    private final Parallel.Range task = this::work;

    // arguments of the running call (read by the workers)
    private float[] q, out;
    private int[] slot, pos;
    private int n;
    private float kqScale;
    private int stagedSlot; // the slot whose rows hw.staged holds for this call (F16 cache), or -1

    /**
     * @param type F16: as llama.cpp with {@code -ctk f16}, the query is rounded to F16 for the scores and the
     *             probabilities are rounded to F16 for the weighted sum (ggml converts src1 to F16 for F16 weights);
     *             Q8_0: rows [kv_lora | k_pe] stored as Q8_0 blocks (kv_lora and rope multiples of 32), the query
     *             quantized to Q8_0 for integer dots, the latent rows dequantized for the weighted sum
     */
    Mla(Matrix[] kB, Matrix[] vB, int nope, int rope, int kvLora, int vHead, int contextLength, int slots, int maxBatch,
        LoadOptions.CacheType type, HeadWorkers hw) {
        this.nHead = kB.length;
        this.nope = nope;
        this.rope = rope;
        this.kvLora = kvLora;
        this.vHead = vHead;
        this.kB = kB;
        this.vB = vB;
        for (int h = 0; h < nHead; h++) {
            if (kB[h].cols() != nope || kB[h].rows() != kvLora) throw new ModelFormatException(kB[h].name() + " per head is " + kB[h].cols() + "x" + kB[h].rows() + ", expected " + nope + "x" + kvLora);
            if (vB[h].cols() != kvLora || vB[h].rows() != vHead) throw new ModelFormatException(vB[h].name() + " per head is " + vB[h].cols() + "x" + vB[h].rows() + ", expected " + kvLora + "x" + vHead);
        }
        this.stride = kvLora + rope;
        // one array per slot: a slot's region is indexed by position alone, and slots × ctx may exceed an array
        int size = Math.multiplyExact(contextLength, stride);
        this.cache = type == LoadOptions.CacheType.F32 ? new float[slots][size] : null;
        this.cache16 = type == LoadOptions.CacheType.F16 ? new short[slots][size] : null;
        if (type == LoadOptions.CacheType.Q8_0 && kvLora % Q8Rows.BLOCK != 0) throw new IllegalArgumentException("a Q8_0 KV cache needs kv_lora_rank in blocks of 32, got " + kvLora + " (use an f16 or f32 cache)");
        this.cache8 = type == LoadOptions.CacheType.Q8_0 ? new Q8Rows(stride, contextLength, slots, "MLA [kv_lora + rope]") : null;
        this.hw = hw;
        if (cache16 != null) hw.reserveStaged(size);
        hw.reserve(HeadWorkers.Q_NOPE, maxBatch * nope);
        hw.reserve(HeadWorkers.Q_ABS, maxBatch * kvLora);
        hw.reserve(HeadWorkers.O_LAT, maxBatch * kvLora);
        hw.reserve(HeadWorkers.O_HEAD, maxBatch * vHead);
        qh = new float[hw.workers][stride];
        qq = new Activations[hw.workers];
        for (int w = 0; w < hw.workers; w++) qq[w] = new Activations();
        vr = new float[hw.workers][BLOCK * stride];
        int heads = HeadWorkers.maxHeads(hw.workers, nHead), tokens = Math.min(BLOCKED_TOKENS, maxBatch);
        hw.reserveHeadScores(Math.max(heads, 4)); // a worker's heads (heads), or one head's four tokens (tokens4)
        hw.reserve(HeadWorkers.Q_ABS_HEADS, heads * tokens * kvLora);
        hw.reserve(HeadWorkers.O_LAT_HEADS, heads * tokens * kvLora);
        hw.reserve(HeadWorkers.Q_HEADS, Math.max(heads, 4) * stride);
        qqHeads = new Activations[cache8 != null ? hw.workers : 0];
        java.util.Arrays.setAll(qqHeads, i -> new Activations());
    }

    long cacheBytes() {
        if (cache8 != null) return cache8.bytes();
        return cache != null ? 4L * cache.length * cache[0].length : 2L * cache16.length * cache16[0].length;
    }

    /** Stores token t's {@code [kv_lora + rope]} row (normalized latent | roped k_pe) at slot[t], position pos[t]. */
    void store(float[] kvPe, int n, int[] slot, int[] pos) {
        for (int t = 0; t < n; t++) {
            int c = pos[t] * stride;
            if (cache != null) System.arraycopy(kvPe, t * stride, cache[slot[t]], c, stride);
            else if (cache8 != null) cache8.store(slot[t], pos[t], kvPe, t * stride);
            else for (int i = 0; i < stride; i++) cache16[slot[t]][c + i] = Float.floatToFloat16(kvPe[t * stride + i]);
        }
    }

    /**
     * Token t attends over positions 0..pos[t] of its slot.
     *
     * @param q   [n, n_head, nope + rope] queries, q_pe already roped
     * @param out [n, n_head * v_head]
     */
    void attend(float[] q, int n, int[] slot, int[] pos, float kqScale, float[] out) {
        this.q = q;
        this.n = n;
        this.slot = slot;
        this.pos = pos;
        this.kqScale = kqScale;
        this.out = out;
        this.stagedSlot = cache16 != null && n > BLOCKED_TOKENS ? stage(n, slot, pos) : -1;
        hw.pool.run(hw.workers, task);
        this.q = null;
        this.out = null;
        this.slot = null;
        this.pos = null;
    }

    /**
     * For batches one head at a time ({@link #head}, more than {@link #BLOCKED_TOKENS} tokens): when all n tokens read
     * one slot (a prefill), converts its rows up to the last token's position to floats once (into the buffer reserved
     * at load for the whole context): each of the heads would otherwise convert every row again for every token (the
     * per-head dot16 was a third of dsv3-tiny's prefill). Returns the slot, or -1 (the tokens read the F16 rows
     * directly, with the same bits: {@link VecOps#dotStaged}). {@link #heads} converts each block of rows for all its
     * heads instead. Until {@link #tokens4} read each row once for four tokens, staging stopped at 8 MB of floats (from
     * DRAM twice the F16 bytes cost more than the conversion: 16 tokens at 8192 positions 1.03 → 1.37 s); with it,
     * staged rows are faster at 4096 and 8192 positions alike (0.54 → 0.22 s, 1.05 → 0.94 s: README, fourteenth run).
     */
    private int stage(int n, int[] slot, int[] pos) {
        int s = slot[0], last = 0;
        for (int t = 0; t < n; t++) {
            if (slot[t] != s) return -1;
            last = Math.max(last, pos[t]);
        }
        VecOps.stage(cache16[s], 0, hw.staged, (last + 1) * stride);
        return s;
    }

    /** Batches of at most this many tokens (a decode step, the server's steps over a few sequences) take {@link #heads}. */
    static final int BLOCKED_TOKENS = 8;

    /**
     * Positions {@link #heads} takes at a time: 8 rows of [kv_lora + rope] (18 KB for DeepSeek-V3 in F32, 9 in F16)
     * stay in L1 while each of the worker's heads reads them.
     */
    private static final int BLOCK = 8;

    private void work(int from, int to) {
        for (int w = from; w < to; w++) {
            int h0 = HeadWorkers.first(w, hw.workers, nHead), h1 = HeadWorkers.first(w + 1, hw.workers, nHead);
            if (n <= BLOCKED_TOKENS) heads(w, h0, h1);
            else for (int h = h0; h < h1; h++) head(w, h);
        }
    }

    /**
     * Heads {@code [h0, h1)} together, for a few tokens. One head at a time ({@link #head}) a decode step read the
     * layer's whole cache once per head (128 times for DeepSeek-V3) from L3 or DRAM; here each block of {@link #BLOCK}
     * rows is scored, then summed, by all the heads while it is in L1, four heads at a time where the cache is F32 or
     * F16. Per head and token the dots, softmax and sums are {@link #head}'s, in its order: the same bits.
     */
    private void heads(int w, int h0, int h1) {
        MatVec mv = hw.mv[w];
        int m = h1 - h0, qDim = nHead * (nope + rope), nk = n * kvLora;
        float[] qnw = hw.batchRows(w, HeadWorkers.Q_NOPE), qaw = hw.batchRows(w, HeadWorkers.Q_ABS);
        float[] olw = hw.batchRows(w, HeadWorkers.O_LAT), ohw = hw.batchRows(w, HeadWorkers.O_HEAD);
        float[] qa = hw.batchRows(w, HeadWorkers.Q_ABS_HEADS), ol = hw.batchRows(w, HeadWorkers.O_LAT_HEADS), qr = hw.batchRows(w, HeadWorkers.Q_HEADS);
        float[][] sc = hw.headScores(w);
        for (int h = h0; h < h1; h++) { // q_abs of head h: [n, kv_lora] at qa[(h − h0)·n·kv_lora]
            for (int t = 0; t < n; t++) System.arraycopy(q, t * qDim + h * (nope + rope), qnw, t * nope, nope);
            mv.matmul(kB[h], qnw, n, qaw);
            System.arraycopy(qaw, 0, qa, (h - h0) * nk, nk);
        }
        java.util.Arrays.fill(ol, 0, m * nk, 0f);
        for (int t = 0; t < n; t++) {
            int len = pos[t] + 1, s = slot[t];
            for (int k = 0; k < m; k++) queryForCache(w, k, qa, k * nk + t * kvLora, t * qDim + (h0 + k) * (nope + rope) + nope, qr);
            if (cache8 != null) qqHeads[w].prepare(GgmlType.Q8_0, qr, 0, stride, m); // head k's blocks at k·stride
            for (int p0 = 0; p0 < len; p0 += BLOCK) {
                int p1 = Math.min(len, p0 + BLOCK), k = 0;
                if (cache16 != null && s != stagedSlot) VecOps.stage(cache16[s], p0 * stride, vr[w], (p1 - p0) * stride);
                if (cache8 == null) {
                    for (; k + 4 <= m; k += 4) scoreHeads4(w, k, s, p0, p1, qa, k * nk + t * kvLora, nk, t * qDim + (h0 + k) * (nope + rope) + nope, nope + rope, qr, sc);
                    if (k < m && m >= 4) { // the 1–3 heads the thread split leaves over: the last four again (their scores rewritten, same bits)
                        k = m - 4;
                        scoreHeads4(w, k, s, p0, p1, qa, k * nk + t * kvLora, nk, t * qDim + (h0 + k) * (nope + rope) + nope, nope + rope, qr, sc);
                        k = m;
                    }
                }
                for (; k < m; k++) scoreBlock(w, k, s, p0, p1, qa, k * nk + t * kvLora, t * qDim + (h0 + k) * (nope + rope) + nope, qr, sc[k]);
            }
            for (int k = 0; k < m; k++) {
                probabilities(sc[k], len);
            }
            for (int p0 = 0; p0 < len; p0 += BLOCK) {
                int p1 = Math.min(len, p0 + BLOCK);
                if (cache8 != null) for (int p = p0; p < p1; p++) cache8.dequantize(s, p, 0, vr[w], (p - p0) * kvLora, kvLora);
                if (cache16 != null && s != stagedSlot) VecOps.stage(cache16[s], p0 * stride, vr[w], (p1 - p0) * stride);
                int k = 0;
                for (; k + 4 <= m; k += 4) sumHeads4(w, s, p0, p1, sc, k, ol, k * nk + t * kvLora, nk);
                for (; k < m; k++) sumBlock(w, s, p0, p1, sc[k], ol, k * nk + t * kvLora);
            }
        }
        for (int h = h0; h < h1; h++) { // o_head: [n, v_head]
            System.arraycopy(ol, (h - h0) * nk, olw, 0, nk);
            mv.matmul(vB[h], olw, n, ohw);
            for (int t = 0; t < n; t++) System.arraycopy(ohw, t * vHead, out, t * nHead * vHead + h * vHead, vHead);
        }
    }

    /**
     * Heads k..k+3's scores of positions {@code [p0, p1)}, four heads at a time (or one head's four tokens: {@link
     * #head}), each pair's bits as {@link #head} computes them: F32 rows four at a time ({@link VecOps#dot4x4}; the
     * queries {@code qaStride} apart in {@code qa}, {@code qs} apart in {@code q}), F16 rows as floats two at a time
     * ({@link VecOps#stagedScores4}: the staged slot or this block's rows in {@code vr[w]}, the rounded queries in
     * {@code qr}).
     */
    private void scoreHeads4(int w, int k, int s, int p0, int p1, float[] qa, int qa0, int qaStride, int qpe, int qs, float[] qr, float[][] sc) {
        float[] t = hw.four(w);
        int p = p0;
        if (cache == null) {
            float[] rows = s == stagedSlot ? hw.staged : vr[w];
            int base = s == stagedSlot ? 0 : p0;
            VecOps.stagedScores4(qr, k * stride, stride, rows, (p0 - base) * stride, stride, stride, p0, p1, sc, k, t);
            return;
        }
        float[] c = cache[s];
        for (; p + 4 <= p1; p += 4) {
            int r = p * stride;
            VecOps.dot4x4(qa, qa0, qa0 + qaStride, qa0 + 2 * qaStride, qa0 + 3 * qaStride, c, r, r + stride, r + 2 * stride, r + 3 * stride, kvLora, t, 0);
            r += kvLora;
            VecOps.dot4x4(q, qpe, qpe + qs, qpe + 2 * qs, qpe + 3 * qs, c, r, r + stride, r + 2 * stride, r + 3 * stride, rope, t, 16);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) sc[k + i][p + j] = t[4 * i + j] + t[16 + 4 * i + j];
            }
        }
        for (; p < p1; p++) {
            for (int i = 0; i < 4; i++) {
                sc[k + i][p] = HeadWorkers.dot(qa, qa0 + i * qaStride, c, p * stride, kvLora) + HeadWorkers.dot(q, qpe + i * qs, c, p * stride + kvLora, rope);
            }
        }
    }

    /**
     * Heads k..k+3's sums over positions {@code [p0, p1)} ({@link VecOps#axpy4x4}, then row by row: the same bits), from
     * the F32 rows, the F16 rows as floats (the staged slot or {@code vr[w]}; the probabilities already rounded to F16,
     * as {@link #head} rounds each) or the Q8_0 rows dequantized into {@code vr[w]} (kv_lora wide).
     */
    private void sumHeads4(int w, int s, int p0, int p1, float[][] sc, int k, float[] ol, int o0, int oStride) {
        boolean f16 = cache16 != null, q8 = cache8 != null;
        float[] rows = cache != null ? cache[s] : q8 || s != stagedSlot ? vr[w] : hw.staged;
        int base = q8 || (f16 && s != stagedSlot) ? p0 : 0, rs = q8 ? kvLora : stride, p = p0; // Q8_0: rows dequantized kv_lora wide
        for (; p + 4 <= p1; p += 4) {
            int r = (p - base) * rs;
            VecOps.axpy4x4(sc[k], sc[k + 1], sc[k + 2], sc[k + 3], p, rows, r, r + rs, r + 2 * rs, r + 3 * rs,
                    ol, o0, o0 + oStride, o0 + 2 * oStride, o0 + 3 * oStride, kvLora, f16);
        }
        for (; p < p1; p++) {
            for (int i = 0; i < 4; i++) {
                if (f16) VecOps.axpyStaged(sc[k + i][p], rows, (p - base) * rs, ol, o0 + i * oStride, kvLora);
                else VecOps.axpy(sc[k + i][p], rows, (p - base) * rs, ol, o0 + i * oStride, kvLora);
            }
        }
    }

    /** Whether tokens t..t+3 read one slot's F32 rows or its staged F16 rows ({@link #tokens4}). */
    private boolean fourTokens(int t) {
        int s = slot[t];
        for (int i = 1; i < 4; i++) if (slot[t + i] != s) return false;
        return cache != null || s == stagedSlot;
    }

    /**
     * Head h, tokens t..t+3 of a batch (one slot; F32 or staged F16 rows): the rows all four attend to are scored and
     * summed for the four at once ({@link #scoreHeads4}, {@link #sumHeads4}: each row read once for four tokens), each
     * token's later rows on its own; per token the same dots, softmax and sums as one at a time (the same bits).
     */
    private void tokens4(int w, int h, int t, float[] qaw, float[] olw) {
        int s = slot[t], qDim = nHead * (nope + rope), qpe = t * qDim + h * (nope + rope) + nope, common = Integer.MAX_VALUE;
        float[][] ts = hw.headScores(w);
        float[] qr = hw.batchRows(w, HeadWorkers.Q_HEADS);
        for (int i = 0; i < 4; i++) {
            common = Math.min(common, pos[t + i] + 1);
            queryForCache(w, i, qaw, (t + i) * kvLora, qpe + i * qDim, qr);
        }
        scoreHeads4(w, 0, s, 0, common, qaw, t * kvLora, kvLora, qpe, qDim, qr, ts);
        for (int i = 0; i < 4; i++) {
            int len = pos[t + i] + 1;
            scoreBlock(w, i, s, common, len, qaw, (t + i) * kvLora, qpe + i * qDim, qr, ts[i]);
            probabilities(ts[i], len);
        }
        sumHeads4(w, s, 0, common, ts, 0, olw, t * kvLora, kvLora);
        for (int i = 0; i < 4; i++) sumBlock(w, s, common, pos[t + i] + 1, ts[i], olw, (t + i) * kvLora);
    }

    /**
     * A head's softmax over {@code sc[0..len)} and, with an F16 cache, each probability rounded to F16 in place, as
     * ggml's F16 mul_mat takes them: the sums ({@link #sumBlock}, {@link #sumHeads4}, axpy16) use them as they are.
     */
    private void probabilities(float[] sc, int len) {
        HeadWorkers.softmax(sc, len, kqScale);
        if (cache16 != null) for (int p = 0; p < len; p++) sc[p] = VecOps.roundHalf(sc[p]);
    }

    /** Head k's query as the cache's dots take it into {@code qr[k·stride..]}: F16 rounded to F16; Q8_0 as it is (quantized by {@link #heads}). */
    private void queryForCache(int w, int k, float[] qa, int qa0, int qpe, float[] qr) {
        if (cache16 != null) {
            for (int i = 0; i < kvLora; i++) qr[k * stride + i] = VecOps.roundHalf(qa[qa0 + i]);
            for (int i = 0; i < rope; i++) qr[k * stride + kvLora + i] = VecOps.roundHalf(q[qpe + i]);
        } else if (cache8 != null) { // quantized for all the heads at once by the caller (heads)
            System.arraycopy(qa, qa0, qr, k * stride, kvLora);
            System.arraycopy(q, qpe, qr, k * stride + kvLora, rope);
        }
    }

    /**
     * Head k's scores of positions {@code [p0, p1)} of slot s into {@code sk}, as {@link #head} computes them (F32 and F16
     * rows four at a time: {@link VecOps#dot4}, {@link VecOps#dotStaged4}, the same bits).
     */
    private void scoreBlock(int w, int k, int s, int p0, int p1, float[] qa, int qa0, int qpe, float[] qr, float[] sk) {
        int p = p0;
        if (cache != null) {
            float[] c = cache[s], t4 = hw.four(w);
            for (; p + 4 <= p1; p += 4) {
                int r = p * stride;
                VecOps.dot4(qa, qa0, c, r, r + stride, r + 2 * stride, r + 3 * stride, kvLora, t4, 0);
                r += kvLora;
                VecOps.dot4(q, qpe, c, r, r + stride, r + 2 * stride, r + 3 * stride, rope, t4, 4);
                for (int j = 0; j < 4; j++) sk[p + j] = t4[j] + t4[4 + j];
            }
            for (; p < p1; p++) sk[p] = HeadWorkers.dot(qa, qa0, c, p * stride, kvLora) + HeadWorkers.dot(q, qpe, c, p * stride + kvLora, rope);
        } else if (cache8 != null) {
            for (; p < p1; p++) sk[p] = cache8.dot(s, p, 0, qqHeads[w], k * stride, stride);
        } else { // F16: the slot's staged rows, or this block's rows converted into vr[w] (dotStaged: dot16's bits)
            float[] rows = s == stagedSlot ? hw.staged : vr[w];
            int base = s == stagedSlot ? 0 : p0;
            for (; p + 4 <= p1; p += 4) {
                int r = (p - base) * stride;
                VecOps.dotStaged4(qr, k * stride, rows, r, r + stride, r + 2 * stride, r + 3 * stride, stride, sk, p);
            }
            for (; p < p1; p++) sk[p] = VecOps.dotStaged(qr, k * stride, rows, (p - base) * stride, stride);
        }
    }

    /**
     * {@code ol[o0..o0+kv_lora) += Σ_{p0 ≤ p < p1} prob_p · kv_p}, as {@link #head} adds them (Q8_0: rows in
     * {@code vr[w]}; F32 and F16 rows four at a time, {@link VecOps#axpy4}: the same bits).
     */
    private void sumBlock(int w, int s, int p0, int p1, float[] prob, float[] ol, int o0) {
        int p = p0;
        if (cache != null) {
            float[] c = cache[s];
            for (; p + 4 <= p1; p += 4) {
                int r = p * stride;
                VecOps.axpy4(prob, p, c, r, r + stride, r + 2 * stride, r + 3 * stride, ol, o0, kvLora, false);
            }
            for (; p < p1; p++) VecOps.axpy(prob[p], c, p * stride, ol, o0, kvLora);
        } else if (cache8 != null) {
            for (; p < p1; p++) VecOps.axpy(prob[p], vr[w], (p - p0) * kvLora, ol, o0, kvLora);
        } else { // F16: as scoreBlock, the probabilities rounded by probabilities() (axpyStaged: axpy16's bits)
            float[] rows = s == stagedSlot ? hw.staged : vr[w];
            int base = s == stagedSlot ? 0 : p0;
            for (; p + 4 <= p1; p += 4) {
                int r = (p - base) * stride;
                VecOps.axpy4(prob, p, rows, r, r + stride, r + 2 * stride, r + 3 * stride, ol, o0, kvLora, true);
            }
            for (; p < p1; p++) VecOps.axpyStaged(prob[p], rows, (p - base) * stride, ol, o0, kvLora);
        }
    }

    private void head(int w, int h) {
        MatVec mv = hw.mv[w];
        float[] sc = hw.scores[w], qnw = hw.batchRows(w, HeadWorkers.Q_NOPE), qaw = hw.batchRows(w, HeadWorkers.Q_ABS);
        float[] olw = hw.batchRows(w, HeadWorkers.O_LAT), ohw = hw.batchRows(w, HeadWorkers.O_HEAD);
        int qDim = nHead * (nope + rope);
        for (int t = 0; t < n; t++) System.arraycopy(q, t * qDim + h * (nope + rope), qnw, t * nope, nope);
        mv.matmul(kB[h], qnw, n, qaw); // q_abs: [n, kv_lora]
        for (int t = 0; t < n; t++) {
            int len = pos[t] + 1, qa0 = t * kvLora, qpe = t * qDim + h * (nope + rope) + nope;
            java.util.Arrays.fill(olw, qa0, qa0 + kvLora, 0f);
            if (t + 4 <= n && fourTokens(t)) {
                for (int i = 1; i < 4; i++) java.util.Arrays.fill(olw, qa0 + i * kvLora, qa0 + (i + 1) * kvLora, 0f);
                tokens4(w, h, t, qaw, olw);
                t += 3;
            } else if (cache != null || slot[t] == stagedSlot) { // F32 rows, or F16 rows staged as floats: four at a time
                float[] qr = qh[w]; // F16: [q_abs | q_pe] rounded to F16
                if (cache == null) queryForCache(w, 0, qaw, qa0, qpe, qr);
                scoreBlock(w, 0, slot[t], 0, len, qaw, qa0, qpe, qr, sc);
                probabilities(sc, len);
                sumBlock(w, slot[t], 0, len, sc, olw, qa0);
            } else if (cache8 != null) {
                float[] qr = qh[w], vrow = vr[w];
                System.arraycopy(qaw, qa0, qr, 0, kvLora);
                System.arraycopy(q, qpe, qr, kvLora, rope);
                Activations qq8 = qq[w].prepare(GgmlType.Q8_0, qr, 0, stride, 1); // [q_abs | q_pe] as Q8_0 blocks
                int s = slot[t];
                for (int p = 0; p < len; p++) sc[p] = cache8.dot(s, p, 0, qq8, 0, stride);
                HeadWorkers.softmax(sc, len, kqScale);
                for (int p = 0; p < len; p++) {
                    cache8.dequantize(s, p, 0, vrow, kvLora);
                    VecOps.axpy(sc[p], vrow, 0, olw, qa0, kvLora);
                }
            } else { // F16 rows read directly
                float[] qr = qh[w];
                queryForCache(w, 0, qaw, qa0, qpe, qr);
                short[] cache16 = this.cache16[slot[t]];
                for (int p = 0; p < len; p++) sc[p] = VecOps.dot16(qr, 0, cache16, p * stride, stride);
                probabilities(sc, len);
                for (int p = 0; p < len; p++) VecOps.axpy16(sc[p], cache16, p * stride, olw, qa0, kvLora);
            }
        }
        mv.matmul(vB[h], olw, n, ohw); // o_head: [n, v_head]
        for (int t = 0; t < n; t++) System.arraycopy(ohw, t * vHead, out, t * nHead * vHead + h * vHead, vHead);
    }
}
