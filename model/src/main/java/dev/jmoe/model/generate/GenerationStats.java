package dev.jmoe.model.generate;

/**
 * Timings of one generation, in the terms llama.cpp reports them.
 *
 * @param loadSeconds       model load time, when the caller measured it ({@link #withLoadSeconds}); else null
 * @param promptTokens      tokens prefilled
 * @param cachedTokens      the prompt's first tokens taken from the cache instead ({@code Generator}'s prefix reuse)
 * @param promptSeconds     wall time of the prefill forward calls
 * @param ttftSeconds       from the start of {@code generate} to the first generated token (prefill + sampling); null
 *                          when none was generated
 * @param generatedTokens   tokens generated
 * @param generationSeconds from the first generated token to the last: {@code generatedTokens − 1} decode steps
 * @param kvCacheBytes      KV cache allocated by the model
 * @param peakRssBytes      the process's peak resident set (Linux VmHWM), or null where unknown
 */
public record GenerationStats(Double loadSeconds, int promptTokens, int cachedTokens, double promptSeconds, Double ttftSeconds,
                              int generatedTokens, double generationSeconds, long kvCacheBytes, Long peakRssBytes) {

    /** Prefill speed, or null when nothing was prefilled. */
    public Double promptTokensPerSecond() {
        return promptTokens > 0 && promptSeconds > 0 ? promptTokens / promptSeconds : null;
    }

    /** Decode speed over the {@code generatedTokens − 1} decode steps, or null with fewer than two tokens. */
    public Double generationTokensPerSecond() {
        return generatedTokens > 1 && generationSeconds > 0 ? (generatedTokens - 1) / generationSeconds : null;
    }

    public GenerationStats withLoadSeconds(double seconds) {
        return new GenerationStats(seconds, promptTokens, cachedTokens, promptSeconds, ttftSeconds, generatedTokens,
                generationSeconds, kvCacheBytes, peakRssBytes);
    }
}
