package dev.jmoe.plan;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How much of the hardware's peak an engine reaches — every factor explicit, with where its default comes from.
 * Bandwidth efficiencies multiply datasheet peaks; overheads are fixed costs per step that no bandwidth removes.
 *
 * @param gpuBw            fraction of GPU memory bandwidth reached by batch-1 matvecs
 * @param cpuBw            fraction of one socket's peak DRAM bandwidth reached by the CPU kernels
 * @param socketScaling    extra bandwidth each additional socket contributes, as a fraction of its peak × cpuBw
 *                         (0 = not NUMA-aware, 1 = perfect)
 * @param diskBw           fraction of the disk's sequential read speed reached by mmap page-ins of expert weights
 * @param gpuCompute       fraction of GPU FP16 peak reached in prefill
 * @param cpuCompute       fraction of CPU FP32 peak reached in prefill (above 1 for int8 VNNI/AMX kernels, whose
 *                         peak is a multiple of FP32's)
 * @param layerOverheadMs  fixed time per layer per step (kernel launches, synchronisation, TP all-reduces)
 * @param gpuExpertCallMs  extra fixed time per routed expert product computed on a GPU at small batch
 * @param cpuCallMs        fixed time per matrix product computed on the CPU: handing its rows to the thread pool and
 *                         joining (dominates small, cache-resident models; negligible for big ones)
 * @param hopMs            fixed time per pipeline hop between nodes (network stack)
 * @param prefillStreamsToGpu whether prefill streams CPU-resident weights over PCIe to compute on the GPU (llama.cpp)
 * @param pcieEff          fraction of the PCIe link's peak those transfers reach (pageable host memory: ~0.4)
 * @param kernels          the jmoe CPU kernels' measured rates per weight type, size and batch (from {@code jmoe
 *                         calibrate}); when present the CPU's share of a step is priced product by product with them
 *                         instead of by cpuBw and cpuCompute; null for the published profiles
 */
public record Efficiency(String engine, double gpuBw, double cpuBw, double socketScaling, double diskBw,
                         double gpuCompute, double cpuCompute, double layerOverheadMs, double gpuExpertCallMs, double cpuCallMs,
                         double hopMs, boolean prefillStreamsToGpu, double pcieEff, String source, KernelRates kernels) {

    private static final Map<String, Efficiency> PROFILES = new LinkedHashMap<>();

    static {
        // jmoe itself: the targets of its kernels (decode at ≥ 80 % of streaming bandwidth), ~5 µs to hand a product to
        // the pool; `jmoe calibrate` replaces cpuBw, cpuCompute and cpuCallMs with what this machine measured.
        put(new Efficiency("jmoe", 0.6, 0.8, 0.0, 0.8, 0.5, 0.3, 0.0, 0.0, 0.005, 1.0, false, 0.8,
                "jmoe kernel targets; cpuBw/cpuCompute/cpuCallMs fitted on this machine by `jmoe calibrate`", null));
        // llama.cpp: CPU matvec ≈ 1/3 of peak DRAM bandwidth on big servers (row 4 of the validation table: 4.5 tok/s
        // from 2 × 307 GB/s, not NUMA-aware); CUDA mul_mat_id at batch 1 (Jan 2025) ≈ 0.06 ms per expert product
        // (row 8: 2×A100 reach 9.4 tok/s with 13 GB/token, i.e. overhead-dominated).
        put(new Efficiency("llama.cpp", 0.6, 0.33, 0.0, 0.5, 0.4, 0.15, 0.03, 0.06, 0.0, 1.0, true, 0.4,
                "fitted on validation rows 4, 7 and 8 (llama.cpp CPU; pageable PCIe copies; CUDA MoE at batch 1)", null));
        // KTransformers V0.2: AVX-512 expert kernels on the CPU, NUMA-aware copies on 2 sockets
        // (int8 AVX-512 VNNI kernels: 0.95 of the FP32 peak is ~1/4 of their int8 peak)
        put(new Efficiency("ktransformers", 0.6, 0.38, 0.45, 0.5, 0.4, 0.95, 0.05, 0.0, 0.0, 1.0, false, 0.8,
                "fitted on validation rows 1 (1 socket) and 2 (socket scaling) of the KTransformers tutorial", null));
        // SGLang TP8 on H200: per-layer cost of two all-reduces plus unfused kernels dominates batch 1
        put(new Efficiency("sglang", 0.5, 0.3, 0.0, 0.5, 0.5, 0.2, 0.5, 0.0, 0.0, 1.0, false, 0.8,
                "fitted on validation row 10 at batch 1 (SGLang PR 2643)", null));
        // exo on Apple silicon (MLX): unified-memory bandwidth efficiency as MLX LLM decode typically reaches; each
        // pipeline hop pays exo's networking stack over Thunderbolt
        put(new Efficiency("exo", 0.6, 0.6, 0.0, 0.5, 0.4, 0.3, 0.05, 0.0, 0.0, 5.0, false, 0.8,
                "assumed: MLX decode ≈ 60 % of unified bandwidth; 5 ms per hop for exo's gRPC over Thunderbolt", null));
    }

    private static void put(Efficiency e) {
        PROFILES.put(e.engine(), e);
    }

    public static Efficiency profile(String engine) {
        Efficiency e = PROFILES.get(engine.toLowerCase(Locale.ROOT));
        if (e == null) throw new IllegalArgumentException(Names.unknown("engine profile", engine, PROFILES.keySet()));
        return e;
    }

    public static Map<String, Efficiency> profiles() {
        return PROFILES;
    }

    public Efficiency withCpu(double bw, double compute, double callMs, String why) {
        return new Efficiency(engine, gpuBw, bw, socketScaling, diskBw, gpuCompute, compute, layerOverheadMs, gpuExpertCallMs,
                callMs, hopMs, prefillStreamsToGpu, pcieEff, why, kernels);
    }

    public Efficiency withKernels(KernelRates k) {
        return new Efficiency(engine, gpuBw, cpuBw, socketScaling, diskBw, gpuCompute, cpuCompute, layerOverheadMs, gpuExpertCallMs,
                cpuCallMs, hopMs, prefillStreamsToGpu, pcieEff, source, k);
    }

    public Efficiency withOverrides(Map<String, Double> o) {
        return new Efficiency(engine, o.getOrDefault("gpu-bw", gpuBw), o.getOrDefault("cpu-bw", cpuBw),
                o.getOrDefault("socket-scaling", socketScaling), o.getOrDefault("disk-bw", diskBw),
                o.getOrDefault("gpu-compute", gpuCompute), o.getOrDefault("cpu-compute", cpuCompute),
                o.getOrDefault("layer-overhead-ms", layerOverheadMs), o.getOrDefault("gpu-expert-call-ms", gpuExpertCallMs),
                o.getOrDefault("cpu-call-ms", cpuCallMs),
                o.getOrDefault("hop-ms", hopMs), prefillStreamsToGpu, o.getOrDefault("pcie", pcieEff), o.isEmpty() ? source : source + " (overridden)", kernels);
    }
}
