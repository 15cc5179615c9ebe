package dev.jmoe.model.generate;

import java.util.List;

/**
 * What to generate and when to stop.
 *
 * @param maxTokens    the most tokens to generate (0: prefill only)
 * @param microBatch   the most prompt tokens per forward call during prefill
 * @param stopTokenIds end-of-generation ids (EOS, EOT ...): generation stops right after one (it is kept)
 * @param stopStrings  generation stops when the text contains one (needs a detokenizer); the text ends before it
 * @param detokenizer  renders tokens to text, or {@code null} for ids only
 */
public record GenerationConfig(int maxTokens, int microBatch, int[] stopTokenIds, List<String> stopStrings,
                               Detokenizer detokenizer) {

    public static final int DEFAULT_MICRO_BATCH = 512;

    public GenerationConfig {
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        if (microBatch < 1) throw new IllegalArgumentException("micro-batch must be >= 1, got " + microBatch);
        stopTokenIds = stopTokenIds == null ? new int[0] : stopTokenIds.clone();
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
        }
        if (!stopStrings.isEmpty() && detokenizer == null) {
            throw new IllegalArgumentException("stop strings need a detokenizer");
        }
    }

    public static GenerationConfig of(int maxTokens, int... stopTokenIds) {
        return new GenerationConfig(maxTokens, DEFAULT_MICRO_BATCH, stopTokenIds, List.of(), null);
    }

    public GenerationConfig withMicroBatch(int n) {
        return new GenerationConfig(maxTokens, n, stopTokenIds, stopStrings, detokenizer);
    }

    public GenerationConfig withText(Detokenizer d, List<String> stops) {
        return new GenerationConfig(maxTokens, microBatch, stopTokenIds, stops, d);
    }

    boolean isStopToken(int id) {
        for (int s : stopTokenIds) if (s == id) return true;
        return false;
    }
}
