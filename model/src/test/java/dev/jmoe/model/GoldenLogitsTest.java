package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.tensor.DotOrder;
import dev.jmoe.tensor.Parallel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Teacher forcing: prompt_ids + generated_ids through {@link LanguageModel#forward} in one batch, every row compared
 * with llama.cpp's logits (shared/models goldens). Bounds from shared/models/README.md "tolerances seen":
 * F32 files 1e-4 (independent numpy reproductions reach 1e-5..3e-5), F16 5e-2 (llama.cpp rounds activations to F16,
 * we do not). Quantized files (routing flips make later rows differ by O(0.1–1)): rows before the first row where a
 * numpy reproduction with llama.cpp's activation quantization left 1e-2 (README table) must agree to 1e-3; every row
 * must correlate with llama.cpp's at least min(0.8, README's lowest − 0.1); the argmax must agree wherever llama.cpp's
 * own top-1 margin exceeds 2 (the largest margin among README's argmax disagreements is 1.77); and the median row max
 * difference must stay within 2× README's median.
 */
class GoldenLogitsTest {
    /**
     * Tight rows (every logit within 1e-3 of llama.cpp's), lowest row correlation, median of row max. README's numpy
     * reproduction (llama.cpp's activation quantization, its own summation order) stays tight for 1, 4, 5, 6, 27 and 5
     * rows (dsv3 Q8_0, Q4_0, Q4_K_M, Q6_K, Q2_K; dsv2 Q8_0): how many rows stay tight moves with the float summation
     * order of the dot products, since MoE routing amplifies 1e-7 differences. The Q8_0 / Q4_0 dots reproduce the
     * rounding of ggml's x86 kernels (Int8FloatKernels), and the bounds for files whose agreement comes from that are
     * what it reaches: dsv2-tiny-Q8_0 every logit of all 37 rows equal to llama.cpp's, dsv3-tiny-Q8_0 32 rows,
     * dsv3-tiny-Q2_K 35 (its fallback tensors are Q4_0; their other rounding was the drift at row 4 of earlier
     * sessions), dsv3-tiny-Q4_0 14 of 15 (llama.cpp's batched Q4_0 path runs repacked kernels, 3.8e-6 from its
     * single-token path, README). Q4_K_M and Q6_K: README's numpy rows (the K-quant dots do not
     * round as ggml's yet; we reach 10 and 6).
     */
    record Quantized(int tightRows, double lowestCorrelation, double medianRowMax) {}

    static final Map<String, Quantized> QUANTIZED = Map.of(
            "dsv3-tiny-Q8_0.gguf", new Quantized(32, 0.921, 0.40),
            "dsv3-tiny-Q4_0.gguf", new Quantized(14, 0.926, 0.33),
            "dsv3-tiny-Q4_K_M.gguf", new Quantized(5, 0.881, 0.79),
            "dsv3-tiny-Q6_K.gguf", new Quantized(6, 0.873, 0.61),
            "dsv3-tiny-Q2_K.gguf", new Quantized(35, 0.671, 0.53),
            "dsv2-tiny-Q8_0.gguf", new Quantized(37, 0.989, 0.90));

    /** FAST order: rows before the first routing flip, as measured (files not listed: at least 1). */
    static final Map<String, Integer> FAST_TIGHT = Map.of("dsv2-tiny-Q8_0.gguf", 29, "dsv3-tiny-Q8_0.gguf", 24, "dsv3-tiny-Q4_0.gguf", 4,
            "dsv3-tiny-Q2_K.gguf", 4, "dsv3-tiny-Q6_K.gguf", 6, "dsv3-tiny-Q4_K_M.gguf", 10);
    /**
     * The same with the Q2_K / Q4_0 / Q4_K / Q5_0 / Q6_K / Q8_0 weights packed ({@code Repack}, the default where it runs):
     * another float order of the same exact integer block sums. dsv3-tiny-Q4_0's first routing flip comes at row 2
     * instead of 4 (rows 0–1 within 3e-6 of llama.cpp, then a jump to 0.15), dsv3-tiny-Q4_K_M's at row 5 instead of 10
     * (rows 0–4 within 3e-6, then 0.26), dsv2-tiny-Q8_0's (27 MoE layers: the most chances of a near-tie) at row 2
     * instead of 29 (rows 0–1 within 1.2e-6, then 1.14), dsv3-tiny-Q8_0's at 22 instead of 24: flips, not drift.
     */
    static final Map<String, Integer> PACKED_TIGHT = Map.of("dsv3-tiny-Q4_0.gguf", 2, "dsv3-tiny-Q4_K_M.gguf", 5,
            "dsv2-tiny-Q8_0.gguf", 2, "dsv3-tiny-Q8_0.gguf", 22);

    /** Files whose every logit must equal llama.cpp's to float32 rounding of the printout (measured: 0 difference). */
    static final java.util.Set<String> EXACT = java.util.Set.of("dsv2-tiny-Q8_0.gguf");

    private static final Parallel POOL = new Parallel(1); // results do not depend on the thread count (BatchConsistencyTest)

    static List<String> goldens() {
        return Golden.names();
    }

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    /** Our teacher-forced logits for the golden's ids, in the given dot order. */
    static float[] logits(Golden g, DotOrder order) {
        return logits(g, order, true);
    }

    static float[] logits(Golden g, DotOrder order, boolean repack) {
        int[] ids = g.allIds();
        float[] all = new float[ids.length * g.nVocab()];
        try (LanguageModel m = ModelLoader.load(g.model(), LoadOptions.defaults().withContextLength(ids.length).withPool(POOL).withDotOrder(order).withRepack(repack))) {
            assertThat(m.vocabSize()).isEqualTo(g.nVocab());
            m.forward(ids, 0, ids.length, null, all);
            assertThat(m.position()).isEqualTo(ids.length);
        }
        return all;
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void teacherForcedLogitsMatchLlamaCpp(String name) {
        Golden g = Golden.read(name);
        g.assumeCodecs();
        float[] all = logits(g, DotOrder.GGML);
        int nv = g.nVocab(), rows = g.allIds().length;
        double[] rowMax = rowMax(all, g);
        double max = java.util.Arrays.stream(rowMax).max().orElse(0);
        String file = g.model().getFileName().toString();
        int tight = tightRows(rowMax);
        double minCorrelation = 1;
        for (int r = 0; r < rows; r++) minCorrelation = Math.min(minCorrelation, correlation(all, g.logits(), r * nv, nv));
        System.out.printf("golden %-28s max |jmoe - llama.cpp| = %.3g over %d rows; first %d rows within 1e-3; lowest row correlation %.4f%n",
                name, max, rows, tight, minCorrelation);
        if (g.isF32()) {
            assertThat(max).as(name + " max abs diff").isLessThanOrEqualTo(1e-4);
        } else if (g.isF16()) {
            assertThat(max).as(name + " max abs diff").isLessThanOrEqualTo(5e-2);
        } else {
            Quantized q = QUANTIZED.get(file);
            Assumptions.assumeTrue(q != null, "no calibrated criteria for " + file);
            for (int r = 0; r < q.tightRows(); r++) assertThat(rowMax[r]).as(name + " row " + r + " (before any routing flip)").isLessThanOrEqualTo(1e-3);
            if (EXACT.contains(file)) assertThat(max).as(name + " max abs diff (ggml's rounding throughout)").isLessThanOrEqualTo(1e-6);
            assertStatisticalBounds(name, all, g, rowMax, q);
        }
    }

    /**
     * The default FAST order on the quantized files: its last bits differ from ggml's, so MoE routing flips come
     * sooner, but the file-level criteria hold — correlation, argmax where llama.cpp's margin is clear, median row
     * difference — and the rows before the first flip stay tight ({@link #FAST_TIGHT}, measured).
     */
    @ParameterizedTest
    @MethodSource("goldens")
    void fastOrderLogitsMeetTheSameFileLevelBounds(String name) {
        fastOrderMeetsTheBounds(name, false, FAST_TIGHT);
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void fastOrderWithPackedWeightsMeetsTheSameFileLevelBounds(String name) {
        Assumptions.assumeTrue(dev.jmoe.tensor.codec.Packed.ENABLED, "no packed kernels here");
        Map<String, Integer> tight = new java.util.HashMap<>(FAST_TIGHT);
        tight.putAll(PACKED_TIGHT);
        fastOrderMeetsTheBounds(name, true, tight);
    }

    private void fastOrderMeetsTheBounds(String name, boolean repack, Map<String, Integer> fastTight) {
        Golden g = Golden.read(name);
        g.assumeCodecs();
        Assumptions.assumeFalse(g.isF32() || g.isF16(), "float weights: no Q4_0 / Q8_0 products");
        String file = g.model().getFileName().toString();
        Quantized q = QUANTIZED.get(file);
        Assumptions.assumeTrue(q != null, "no calibrated criteria for " + file);
        float[] all = logits(g, DotOrder.FAST, repack);
        double[] rowMax = rowMax(all, g);
        int tight = tightRows(rowMax);
        System.out.printf("golden FAST%s %-23s max |jmoe - llama.cpp| = %.3g; first %d rows within 1e-3%n", repack ? " packed" : "", name,
                java.util.Arrays.stream(rowMax).max().orElse(0), tight);
        assertThat(tight).as(name + " rows before the first routing flip").isGreaterThanOrEqualTo(fastTight.getOrDefault(file, 1));
        assertStatisticalBounds(name, all, g, rowMax, q);
    }

    static double[] rowMax(float[] all, Golden g) {
        int nv = g.nVocab(), rows = g.allIds().length;
        double[] rowMax = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < nv; i++) rowMax[r] = Math.max(rowMax[r], Math.abs(all[r * nv + i] - g.logits()[r * nv + i]));
        }
        return rowMax;
    }

    static int tightRows(double[] rowMax) {
        int tight = 0;
        while (tight < rowMax.length && rowMax[tight] <= 1e-3) tight++;
        return tight;
    }

    static void assertStatisticalBounds(String name, float[] all, Golden g, double[] rowMax, Quantized q) {
        int nv = g.nVocab(), rows = g.allIds().length;
        double minCorr = Math.min(0.8, q.lowestCorrelation() - 0.1);
        for (int r = 0; r < rows; r++) {
            assertThat(correlation(all, g.logits(), r * nv, nv)).as(name + " row " + r + " correlation").isGreaterThanOrEqualTo(minCorr);
            int ref = argmax(g.logits(), r * nv, nv);
            if (margin(g.logits(), r * nv, nv) > 2.0) assertThat(argmax(all, r * nv, nv)).as(name + " row " + r + " argmax").isEqualTo(ref);
        }
        double[] sorted = rowMax.clone();
        java.util.Arrays.sort(sorted);
        assertThat(sorted[sorted.length / 2]).as(name + " median row max").isLessThanOrEqualTo(2 * q.medianRowMax());
    }

    static int argmax(float[] x, int off, int n) {
        int b = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + b]) b = i;
        return b;
    }

    static double margin(float[] x, int off, int n) {
        float a = Float.NEGATIVE_INFINITY, b = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (v > a) {
                b = a;
                a = v;
            } else if (v > b) {
                b = v;
            }
        }
        return a - b;
    }

    static double correlation(float[] x, float[] y, int off, int n) {
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[off + i];
            my += y[off + i];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            double a = x[off + i] - mx, b = y[off + i] - my;
            sxy += a * b;
            sxx += a * a;
            syy += b * b;
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
