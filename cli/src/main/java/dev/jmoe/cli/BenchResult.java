package dev.jmoe.cli;

import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.model.ModelInfo;
import dev.jmoe.model.generate.Bench;
import java.util.Arrays;
import java.util.Locale;

/**
 * One llama-bench row: a model, a thread count, a test (pp N, tg N, or tg N over S sequences together) and its timed
 * samples.
 *
 * @param seqs          sequences decoding together in a tg test (1: llama-bench's tg)
 * @param nDepth        tokens cached before the test (llama-bench's n_depth)
 * @param predictedTs   the planner's prediction for this test, or null (no calibration)
 * @param bytesPerToken weight bytes one decode token reads (from the file's header), or null (unknown)
 */
record BenchResult(String modelFile, ModelInfo info, int threads, int nPrompt, int nGen, int seqs, int nDepth, int nBatch,
                   CacheType cacheType, long[] samplesNs, String testTime, Double predictedTs,
                   Double bytesPerToken) {

    /** Tokens one sample processed: all sequences' together. */
    int nTokens() {
        return nPrompt + nGen * seqs;
    }

    /** llama-bench's test name: {@code pp512}, {@code tg128}, {@code tg128 @ d4096}; {@code tg128x8} for 8 sequences together. */
    String testName() {
        return testName(nPrompt, nGen, seqs, nDepth);
    }

    static String testName(int nPrompt, int nGen, int seqs, int nDepth) {
        String tg = "tg" + nGen + (seqs > 1 ? "x" + seqs : "");
        String test = nGen == 0 ? "pp" + nPrompt : nPrompt == 0 ? tg : "pp" + nPrompt + "+" + tg;
        return nDepth > 0 ? test + " @ d" + nDepth : test;
    }

    /** llama_model_desc's "arch size type", e.g. {@code deepseek2 671B Q4_K_M}. */
    String modelType() {
        long p = info.parameters();
        String size = p >= 1_000_000_000L ? String.format(Locale.ROOT, "%.0fB", p / 1e9)
                : String.format(Locale.ROOT, "%.1fM", p / 1e6);
        return info.architecture() + " " + size + " " + info.quant();
    }

    double[] samplesTs() {
        return Bench.tokensPerSecond(samplesNs, nTokens());
    }

    double avgTs() {
        return Bench.mean(samplesTs());
    }

    double stdevTs() {
        return Bench.stdev(samplesTs());
    }

    /**
     * GB/s of weights a tg test read (bytes per token × t/s); null for prefill, for several sequences (whose steps read
     * the union of their experts) or when the bytes are unknown.
     */
    Double readGbs() {
        return nPrompt == 0 && nGen > 0 && seqs == 1 && bytesPerToken != null ? bytesPerToken * avgTs() / 1e9 : null;
    }

    long avgNs() {
        return (long) Bench.mean(Arrays.stream(samplesNs).asDoubleStream().toArray());
    }

    long stdevNs() {
        return (long) Bench.stdev(Arrays.stream(samplesNs).asDoubleStream().toArray());
    }
}
