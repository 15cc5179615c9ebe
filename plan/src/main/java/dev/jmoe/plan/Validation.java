package dev.jmoe.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Published DeepSeek-V3/R1 measurements (../shared/reference/measurements.md) with the configuration each was taken
 * on, run through the planner. Each row's configuration is stated here once; efficiency comes from the named engine
 * profile, never tuned per row.
 */
public final class Validation {

    /**
     * @param measuredPrefill tok/s, or NaN when not published / not comparable
     * @param measuredDecode  tok/s per batch size in {@code batches}
     * @param modeled         false for rows outside the model (reported, excluded from the error statistics)
     */
    public record Row(int id, String system, String source, String model, String quant, HardwareSpec hw, String policy,
                      String engine, int experts, int prompt, int[] batches, double measuredPrefill, double[] measuredDecode,
                      boolean tensorParallel, String kvType, boolean modeled, String note) {

        public PlanRequest request() {
            ModelSpec m = ModelCatalog.spec(model, quant);
            return new PlanRequest(m, hw.build(), Policy.parse(policy), 4096, kvType, experts,
                    Arrays.stream(batches).boxed().toList(), prompt, Efficiency.profile(engine), tensorParallel);
        }
    }

    /** One compared figure. */
    public record Comparison(Row row, String what, double predicted, double measured) {
        public double error() {
            return (predicted - measured) / measured;
        }
    }

    /** A seed estimate given as a range ("5–15 tok/s") or as OOM. */
    public record Estimate(String label, String config, HardwareSpec hw, String policy, String engine, double low, double high,
                           boolean expectOom) {}

    private static final int[] B1 = {1};

    public static List<Row> rows() {
        HardwareSpec kt1 = new HardwareSpec("rtx4090", "xeon-6454s", "512G", null, null, null, "pcie4", null, null, null);
        HardwareSpec kt2 = new HardwareSpec("rtx4090", "xeon-6454s-2s", "1T", null, null, null, "pcie4", null, null, null);
        HardwareSpec cpu2 = new HardwareSpec(null, "xeon-6454s-2s", "1T", null, null, null, null, null, null, null);
        HardwareSpec rig7 = new HardwareSpec("4x rtx3090", "threadripper-wrx80", "512G", null, null, null, "pcie4", null, null, null);
        HardwareSpec a100 = new HardwareSpec("2x a100-80g", "epyc-9654", "512G", null, null, null, "pcie4", null, null, null);
        HardwareSpec exo = new HardwareSpec(null, null, null, null, null, null, null, null, "8x m4-pro-64g", "tb5");
        HardwareSpec h200 = new HardwareSpec("8x h200", "epyc-9654-2s", "2T", null, null, null, "pcie5", null, null, null);
        String kt = "kvcache-ai/ktransformers doc/en/DeepseekR1_V3_tutorial.md";
        return List.of(
                new Row(1, "KTransformers V0.2, 8 experts", kt, "deepseek-v3", "q4_k_m", kt1, "cpu-moe", "ktransformers", 8, 1024, B1,
                        54.21, new double[]{8.73}, false, "f16", true, "1 socket; prompt length assumed 1K"),
                new Row(2, "KTransformers V0.2, 8 experts, 2 sockets", kt, "deepseek-v3", "q4_k_m", kt2, "cpu-moe", "ktransformers", 8, 1024, B1,
                        82.94, new double[]{12.208}, false, "f16", true, "prompt length assumed 1K"),
                new Row(3, "KTransformers V0.2, 6 experts, 2 sockets", kt, "deepseek-v3", "q4_k_m", kt2, "cpu-moe", "ktransformers", 6, 1024, B1,
                        97.32, new double[]{13.69}, false, "f16", true, "prompt length assumed 1K"),
                new Row(4, "llama.cpp (by the KTransformers team), 2×32 cores", kt, "deepseek-v3", "q4_k_m", cpu2, "cpu-only", "llama.cpp", 8, 1024, B1,
                        10.31, new double[]{4.51}, false, "f16", true, "CPU only"),
                new Row(5, "KTransformers V0.2.1, 1K prompt", kt, "deepseek-v3", "q4_k_m", kt2, "cpu-moe", "ktransformers", 8, 1024, B1,
                        88.2, new double[]{13.5}, false, "f16", true, ""),
                new Row(6, "KTransformers V0.3-preview, AMX, 2K prompt", kt, "deepseek-v3", "q4_k_m", kt2, "cpu-moe", "ktransformers", 8, 2048, B1,
                        255.26, new double[]{}, false, "f16", false, "AMX int8 CPU kernels are outside the model's FP32 CPU compute"),
                new Row(7, "llama.cpp -ngl 7, llama-bench pp512/tg128", "ggml-org/llama.cpp issue 10981", "deepseek-v3", "q4_k_m", rig7, "layers:7",
                        "llama.cpp", 8, 512, B1, 18.41, new double[]{4.65}, false, "f16", true, "CPU not named in the source: WRX80 8ch DDR4-3200 assumed"),
                new Row(8, "llama.cpp, all layers on 2 GPUs", "ggml-org/llama.cpp issue 11474", "deepseek-v3", "iq1_s", a100, "all-gpu",
                        "llama.cpp", 8, 16, B1, 18.14, new double[]{9.41}, false, "f16", true, "R1 UD-IQ1_S (131 GB); a short chat prompt (16 tokens) assumed"),
                new Row(9, "exo, 8 × M4 Pro 64 GB", "blog.exolabs.net/day-2", "deepseek-v3", "q4_0", exo, "all-gpu", "exo", 8, 512, B1,
                        Double.NaN, new double[]{5.37}, false, "f16", true, "MLX 4-bit ≈ Q4_0 size; TTFT 2.91 s not comparable to a prefill rate"),
                new Row(10, "SGLang v0.4.1 TP8 + DP attention", "sgl-project/sglang PR 2643", "deepseek-v3", "fp8", h200, "all-gpu", "sglang", 8, 512,
                        new int[]{1, 8, 32}, Double.NaN, new double[]{30.29, 206, 760}, true, "bf16", true, "decode totals per batch size"));
    }

    public static List<Estimate> estimates() {
        return List.of(
                new Estimate("Source A: RTX 4090, well-optimized: 5–15 tok/s", "4090 + 1-socket Xeon 8ch DDR5 (384 GB), KTransformers placement",
                        new HardwareSpec("rtx4090", "xeon-6454s", "384G", null, null, null, null, null, null, null), "cpu-moe", "ktransformers", 5, 15, false),
                new Estimate("Source B: RTX 4090, constrained: 1–5 tok/s", "4090 + 8-channel DDR4 workstation (512 GB), llama.cpp -ngl 5",
                        new HardwareSpec("rtx4090", "threadripper-wrx80", "512G", null, null, null, null, null, null, null), "layers:5", "llama.cpp", 1, 5, false),
                new Estimate("Source C: one RTX 4090, everything on the GPU: OOM", "1 × 4090, --policy all-gpu",
                        new HardwareSpec("rtx4090", null, null, null, null, null, null, null, null, null), "all-gpu", "llama.cpp", 0, 0, true),
                new Estimate("Source C: four RTX 4090, everything on the GPUs: OOM", "4 × 4090, --policy all-gpu",
                        new HardwareSpec("4x rtx4090", null, null, null, null, null, null, null, null, null), "all-gpu", "llama.cpp", 0, 0, true));
    }

    public static List<Comparison> compare() {
        List<Comparison> out = new ArrayList<>();
        for (Row row : rows()) {
            PlanResult p = Planner.plan(row.request());
            if (!Double.isNaN(row.measuredPrefill())) out.add(new Comparison(row, "prefill", p.prefill().tokensPerSecond(), row.measuredPrefill()));
            for (int i = 0; i < row.measuredDecode().length; i++) {
                out.add(new Comparison(row, "decode b" + row.batches()[i], p.decode(row.batches()[i]).tokensPerSecond(), row.measuredDecode()[i]));
            }
        }
        return out;
    }

    /** Median |error| over the modeled rows. */
    public static double medianAbsError(List<Comparison> cs) {
        double[] e = cs.stream().filter(c -> c.row().modeled()).mapToDouble(c -> Math.abs(c.error())).sorted().toArray();
        if (e.length == 0) return Double.NaN;
        return e.length % 2 == 1 ? e[e.length / 2] : (e[e.length / 2 - 1] + e[e.length / 2]) / 2;
    }
}
