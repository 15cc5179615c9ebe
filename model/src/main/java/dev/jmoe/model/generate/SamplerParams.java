package dev.jmoe.model.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * Sampling settings with llama.cpp's defaults (common/common.h: temp 0.8, top-k 40, top-p 0.95, min-p 0.05, repeat
 * penalty 1.0 over the last 64 tokens, frequency and presence 0) and its default order:
 * penalties → top-k → top-p → min-p → temperature → dist. A temperature ≤ 0 means greedy (penalties still apply).
 *
 * @param seed         32-bit seed of the random picker (only the low 32 bits count)
 * @param penaltyLastN window of the penalties; 0 disables them
 * @param minKeep      the least tokens top-p and min-p keep (llama.cpp's {@code min_keep}, default 0)
 */
public record SamplerParams(float temperature, int topK, float topP, float minP, float repeatPenalty,
                            float frequencyPenalty, float presencePenalty, int penaltyLastN, long seed, int minKeep) {

    public static final float DEFAULT_TEMPERATURE = 0.8f;
    public static final int DEFAULT_TOP_K = 40;
    public static final float DEFAULT_TOP_P = 0.95f;
    public static final float DEFAULT_MIN_P = 0.05f;
    public static final float DEFAULT_REPEAT_PENALTY = 1.0f;
    public static final int DEFAULT_PENALTY_LAST_N = 64;

    public SamplerParams {
        if (Float.isNaN(temperature)) throw new IllegalArgumentException("temperature is NaN");
        if (!(topP >= 0f && topP <= 1f)) throw new IllegalArgumentException("top-p must be in [0, 1], got " + topP);
        if (!(minP >= 0f && minP <= 1f)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (!(repeatPenalty > 0f)) throw new IllegalArgumentException("repeat penalty must be > 0, got " + repeatPenalty);
        if (minKeep < 0) throw new IllegalArgumentException("min-keep must be >= 0, got " + minKeep);
    }

    public static SamplerParams defaults(long seed) {
        return new SamplerParams(DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P, DEFAULT_MIN_P,
                DEFAULT_REPEAT_PENALTY, 0f, 0f, DEFAULT_PENALTY_LAST_N, seed, 0);
    }

    /** Greedy decoding with no penalties: what the llama.cpp goldens use. */
    public static SamplerParams greedy() {
        return new SamplerParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 0, 0L, 0);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }

    public SamplerParams withSeed(long newSeed) {
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty,
                penaltyLastN, newSeed, minKeep);
    }

    /** The chain for a vocabulary of {@code vocabSize} tokens. */
    public Sampler build(int vocabSize) {
        List<SamplerStage> stages = new ArrayList<>();
        stages.add(new Penalties(vocabSize, penaltyLastN, repeatPenalty, frequencyPenalty, presencePenalty));
        if (isGreedy()) return new Sampler(vocabSize, stages, new Greedy());
        stages.add(new TopK(topK));
        stages.add(new TopP(topP, minKeep));
        stages.add(new MinP(minP, minKeep));
        stages.add(new Temperature(temperature));
        return new Sampler(vocabSize, stages, new Dist(seed));
    }
}
