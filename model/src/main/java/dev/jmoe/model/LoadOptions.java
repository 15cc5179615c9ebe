package dev.jmoe.model;

import dev.jmoe.tensor.DotOrder;
import dev.jmoe.tensor.Parallel;

/**
 * How to load a model.
 *
 * @param contextLength positions the KV cache holds per slot; 0 = the file's trained context, capped at
 *                      {@link #DEFAULT_MAX_CONTEXT}
 * @param slots         KV slots: independent sequences one forward pass can serve (continuous batching), each with
 *                      its own {@code contextLength} positions; the cache takes {@code slots} times the memory
 * @param pool          kernel thread pool (the caller closes it); null = a pool of {@code threads} owned and closed by
 *                      the model, or {@link Parallel#common()} when threads is 0
 * @param threads       threads of the model's own pool when {@code pool} is null; 0 = the shared common pool
 * @param expertsUsed   routed experts per token; 0 = the file's {@code expert_used_count} (the {@code --experts} override)
 * @param cacheType     KV cache element type: F32 (default; what the goldens use), F16 (half the memory) or Q8_0
 *                      (34 bytes per 32 values; rows must hold whole blocks of 32)
 * @param maxBatch      largest micro-batch of a prefill (longer prompts are split); scratch is sized for it
 * @param checkFinite   throw {@link NonFiniteException} naming layer and tensor when a NaN/Inf appears (slower)
 * @param probe         receives named intermediates (debugging); null = none
 * @param dotOrder      float order of the Q4_0 / Q8_0 products: FAST (default) or GGML (llama.cpp's bits, slower;
 *                      the tests that compare logits with llama.cpp's exactly use it)
 * @param repack        in FAST order, copy the Q4_0, Q4_K, Q5_0, Q6_K, Q8_0 weights into their packed layouts
 *                      ({@link dev.jmoe.tensor.codec.Packed}) at load while they fit in available memory (default;
 *                      the mapping's pages are given back)
 */
public record LoadOptions(int contextLength, int slots, Parallel pool, int threads, int expertsUsed, CacheType cacheType, int maxBatch,
                          boolean checkFinite, Probe probe, DotOrder dotOrder, boolean repack) {

    /** Context used when the caller does not choose one and the file's trained context is larger. */
    public static final int DEFAULT_MAX_CONTEXT = 4096;

    /** Element type of the KV cache ({@code --cache-type}), named as llama.cpp's {@code -ctk/-ctv}. */
    public enum CacheType {
        F32, F16, Q8_0;

        /** The llama.cpp spelling: {@code f32}, {@code f16}, {@code q8_0}. */
        public String llamaName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static CacheType parse(String s) {
            for (CacheType t : values()) if (t.llamaName().equalsIgnoreCase(s)) return t;
            throw new IllegalArgumentException("unknown --cache-type '" + s + "': use f32, f16 or q8_0");
        }
    }

    public LoadOptions {
        if (contextLength < 0) throw new IllegalArgumentException("context length must be >= 0, got " + contextLength);
        if (slots < 1) throw new IllegalArgumentException("KV slots must be >= 1, got " + slots);
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        if (expertsUsed < 0) throw new IllegalArgumentException("experts must be >= 0, got " + expertsUsed);
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        if (cacheType == null) cacheType = CacheType.F32;
        if (dotOrder == null) dotOrder = DotOrder.FAST;
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, 1, null, 0, 0, CacheType.F32, 32, false, null, DotOrder.FAST, true);
    }

    public LoadOptions withContextLength(int n) {
        return new LoadOptions(n, slots, pool, threads, expertsUsed, cacheType, maxBatch, checkFinite, probe, dotOrder, repack);
    }

    /** n KV slots (independent sequences), each of {@link #contextLength()} positions. */
    public LoadOptions withSlots(int n) {
        return new LoadOptions(contextLength, n, pool, threads, expertsUsed, cacheType, maxBatch, checkFinite, probe, dotOrder, repack);
    }

    public LoadOptions withPool(Parallel p) {
        return new LoadOptions(contextLength, slots, p, threads, expertsUsed, cacheType, maxBatch, checkFinite, probe, dotOrder, repack);
    }

    /** A pool of n threads created for the model and closed with it (ignored when a pool is given). */
    public LoadOptions withThreads(int n) {
        return new LoadOptions(contextLength, slots, pool, n, expertsUsed, cacheType, maxBatch, checkFinite, probe, dotOrder, repack);
    }

    public LoadOptions withExpertsUsed(int k) {
        return new LoadOptions(contextLength, slots, pool, threads, k, cacheType, maxBatch, checkFinite, probe, dotOrder, repack);
    }

    public LoadOptions withCacheType(CacheType t) {
        return new LoadOptions(contextLength, slots, pool, threads, expertsUsed, t, maxBatch, checkFinite, probe, dotOrder, repack);
    }

    public LoadOptions withMaxBatch(int b) {
        return new LoadOptions(contextLength, slots, pool, threads, expertsUsed, cacheType, b, checkFinite, probe, dotOrder, repack);
    }

    public LoadOptions withCheckFinite(boolean on) {
        return new LoadOptions(contextLength, slots, pool, threads, expertsUsed, cacheType, maxBatch, on, probe, dotOrder, repack);
    }

    public LoadOptions withProbe(Probe p) {
        return new LoadOptions(contextLength, slots, pool, threads, expertsUsed, cacheType, maxBatch, checkFinite, p, dotOrder, repack);
    }

    public LoadOptions withDotOrder(DotOrder o) {
        return new LoadOptions(contextLength, slots, pool, threads, expertsUsed, cacheType, maxBatch, checkFinite, probe, o, repack);
    }

    /** With or without repacking weights for the FAST kernels at load ({@code repack}). */
    public LoadOptions withRepack(boolean on) {
        return new LoadOptions(contextLength, slots, pool, threads, expertsUsed, cacheType, maxBatch, checkFinite, probe, dotOrder, on);
    }

    Parallel poolOrCommon() {
        return pool != null ? pool : Parallel.common();
    }
}
