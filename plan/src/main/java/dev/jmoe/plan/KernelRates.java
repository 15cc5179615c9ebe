package dev.jmoe.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jmoe.gguf.GgmlType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The jmoe engine's own CPU kernels on this machine, as {@code jmoe calibrate} measured them — what lets the planner
 * price each matrix product by its weight type, size and token count instead of one bandwidth figure for the model:
 * the quantized kernels run at 10–75 % of the streaming read depending on the type, small products run slower than
 * big ones, and a batch is priced by its 4-token tiles plus leftover single tokens.
 *
 * @param streamGbs   plain streaming read
 * @param matvecGbs   one token against a 256 MB weight, per type (weight bytes ÷ time)
 * @param expertGbs   one token against 2–3 MB weights, 16 per pool dispatch, from DRAM (decode of MoE experts)
 * @param batchGflops a 32-token batch against an in-cache weight, per type
 * @param wideGbs     one token against a 256 MB weight of 7168 columns, for the types in {@code narrowCols}
 * @param narrowCols  per type whose one-token kernel changes with the row length: the longest row of the narrow kernel
 * @param tileTokens  tokens one decode of a weight block serves in a batch, per type (1: no tiles)
 * @param f32Gflops   the F32 batched product (fallback for types not measured; attention arithmetic)
 */
public record KernelRates(double streamGbs, Map<String, Double> matvecGbs, Map<String, Double> expertGbs,
                          Map<String, Double> wideGbs, Map<String, Integer> narrowCols,
                          Map<String, Double> batchGflops, Map<String, Integer> tileTokens, double f32Gflops) {

    /** Elements of the calibration's decode-sized weight and of its 256 MB F32 weight (interpolation end points). */
    private static final double SMALL = Calibration.EXPERT_ROWS * (double) Calibration.EXPERT_COLS;

    /** The rates in one thread count's figures of a calibration file, or null when it predates these fields. */
    static KernelRates of(JsonNode t) {
        if (!t.path("expert_matvec_gbs").isObject()) return null;
        return new KernelRates(t.path("stream_read_gbs").asDouble(), doubles(t.path("matvec_gbs")),
                doubles(t.path("expert_matvec_gbs")), doubles(t.path("wide_matvec_gbs")), ints(t.path("narrow_row_cols")),
                doubles(t.path("matmul_gflops_by_type")), ints(t.path("tile_tokens")), t.path("matmul_gflops").asDouble(10));
    }

    private static Map<String, Integer> ints(JsonNode n) {
        Map<String, Integer> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asInt()));
        return m;
    }

    private static Map<String, Double> doubles(JsonNode n) {
        Map<String, Double> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
        return m;
    }

    /**
     * Seconds for one product of {@code tokens} tokens against a weight of {@code elements} values in {@code bytes}
     * of ggml type {@code type}, rows of {@code cols} values. One token: the matvec rate, interpolated (in log size)
     * between the decode-sized and the 256 MB measurement, scaled by the wide-row measurement where the type's kernel
     * changes with the row length. More: the weight streams once, and compute is {@code tokens / tile} tiles at the batch
     * rate plus the leftover tokens at the one-token rate — whichever of memory and compute is longer.
     */
    public double seconds(String type, long bytes, double elements, long cols, int tokens) {
        if (tokens <= 0 || bytes <= 0) return 0;
        double one = bytes / (oneTokenGbs(type, elements, cols) * 1e9);
        if (tokens == 1) return one;
        int tile = tileTokens.getOrDefault(type, 1);
        int tiled = tokens / tile * tile;
        double compute = 2.0 * elements * tiled / (batchGflops(type) * 1e9) + (tokens - tiled) * one;
        return Math.max(bytes / (streamGbs * 1e9), compute);
    }

    double oneTokenGbs(String type, double elements, long cols) {
        double big = rate(matvecGbs, type), small = rate(expertGbs, type);
        Integer narrow = narrowCols.get(type);
        Double wide = wideGbs.get(type);
        if (narrow != null && wide != null && cols > narrow) { // the wide kernel, as much slower at every size
            small *= wide / big;
            big = wide;
        }
        double large = 256.0 * (1 << 20) / (bitsPerWeight(type) / 8);
        double f = Math.clamp(Math.log(elements / SMALL) / Math.log(large / SMALL), 0, 1);
        if (f == 0) return small;
        if (f == 1) return big;
        return Math.exp((1 - f) * Math.log(small) + f * Math.log(big));
    }

    double batchGflops(String type) {
        Double g = batchGflops.get(type);
        if (g != null) return g;
        // not measured (F16, BF16, F32): the type's one-token rate is the floor of its batch rate
        return Math.max(f32Gflops, 2 * rate(matvecGbs, type) / (bitsPerWeight(type) / 8));
    }

    /** A measured rate for the type; types not measured (Q4_1, Q5_1, TQ…, or a calibration older than the type) take the slowest measured quantized type's. */
    private static double rate(Map<String, Double> m, String type) {
        Double v = m.get(type);
        if (v != null) return v;
        return m.entrySet().stream().filter(e -> !e.getKey().startsWith("F") && !e.getKey().startsWith("BF"))
                .mapToDouble(Map.Entry::getValue).min().orElse(1.0);
    }

    private static double bitsPerWeight(String type) {
        return GgmlType.byName(type).map(GgmlType::bitsPerWeight).orElse(4.5);
    }
}
