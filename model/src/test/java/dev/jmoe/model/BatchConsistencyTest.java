package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import dev.jmoe.tensor.Parallel;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Batched prefill, micro-batch chunking, truncation and the --experts override against one-token-at-a-time runs. */
class BatchConsistencyTest {
    private static final Parallel POOL = new Parallel(1);

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    static int[] tokens(int n, int vocab) {
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) t[i] = (int) ((i * 2654435761L) % (vocab - 3)) + 3;
        return t;
    }

    static float[] batched(Path model, int[] ids, LoadOptions opt) {
        try (LanguageModel m = ModelLoader.load(model, opt)) {
            float[] all = new float[ids.length * m.vocabSize()];
            m.forward(ids, 0, ids.length, null, all);
            return all;
        }
    }

    static float[] oneByOne(Path model, int[] ids, LoadOptions opt) {
        try (LanguageModel m = ModelLoader.load(model, opt)) {
            int nv = m.vocabSize();
            float[] all = new float[ids.length * nv], logits = new float[nv];
            for (int i = 0; i < ids.length; i++) {
                m.forward(ids, i, 1, logits, null);
                System.arraycopy(logits, 0, all, i * nv, nv);
            }
            return all;
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dsv3-tiny-F32.gguf", "dsv2-tiny-F32.gguf", "stories260K.gguf"})
    void batchedPrefillEqualsOneTokenAtATime(String file) {
        Path model = SharedModels.require(file);
        int[] ids = tokens(40, 512);
        LoadOptions opt = LoadOptions.defaults().withContextLength(64).withPool(POOL).withMaxBatch(64);
        float[] batch = batched(model, ids, opt);
        float[] single = oneByOne(model, ids, opt);
        float[] chunked = batched(model, ids, opt.withMaxBatch(7)); // 40 tokens as 6 micro-batches of <= 7
        System.out.printf("%s: batched vs single %.3g, chunked vs batched %.3g%n", file, maxDiff(batch, single), maxDiff(chunked, batch));
        assertThat(maxDiff(batch, single)).as("batched vs one-by-one").isLessThanOrEqualTo(1e-4);
        assertThat(maxDiff(chunked, batch)).as("micro-batches of 7 vs one batch").isLessThanOrEqualTo(1e-4);
    }

    @Test
    void expertsOverrideEqualToTheFilesCountChangesNothing() {
        Path model = SharedModels.require("dsv3-tiny-F32.gguf"); // expert_used_count 4
        int[] ids = tokens(12, 512);
        LoadOptions opt = LoadOptions.defaults().withContextLength(16).withPool(POOL);
        float[] base = batched(model, ids, opt);
        assertThat(batched(model, ids, opt.withExpertsUsed(4))).containsExactly(base);
        assertThat(maxDiff(batched(model, ids, opt.withExpertsUsed(2)), base)).as("2 experts instead of 4").isGreaterThan(1e-2);
    }

    @Test
    void threadCountDoesNotChangeTheResult() {
        Path model = SharedModels.require("dsv3-tiny-Q8_0.gguf"); // Q8_0: rows split over threads, activations quantized once
        int[] ids = tokens(10, 512);
        LoadOptions opt = LoadOptions.defaults().withContextLength(16);
        float[] one = batched(model, ids, opt.withPool(POOL));
        try (Parallel three = new Parallel(3)) {
            assertThat(batched(model, ids, opt.withPool(three))).containsExactly(one);
        }
    }

    @Test
    void truncateThenRerunReproducesTheSameLogits() {
        Path model = SharedModels.require("dsv3-tiny-F32.gguf");
        int[] ids = tokens(20, 512);
        try (LanguageModel m = ModelLoader.load(model, LoadOptions.defaults().withContextLength(32).withPool(POOL))) {
            int nv = m.vocabSize();
            float[] first = new float[20 * nv], again = new float[12 * nv];
            m.forward(ids, 0, 20, null, first);
            m.truncate(8);
            assertThat(m.position()).isEqualTo(8);
            m.forward(ids, 8, 12, null, again);
            assertThat(maxDiff(again, java.util.Arrays.copyOfRange(first, 8 * nv, 20 * nv))).isLessThanOrEqualTo(1e-5);
            m.truncate(0);
            float[] last = new float[nv];
            m.forward(ids, 0, 20, last, null);
            assertThat(maxDiff(last, java.util.Arrays.copyOfRange(first, 19 * nv, 20 * nv))).isLessThanOrEqualTo(1e-5);
        }
    }
}
