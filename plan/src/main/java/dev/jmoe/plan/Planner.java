package dev.jmoe.plan;

import dev.jmoe.plan.Placement.Tier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The planner: places one pipeline stage of the model on one node by the policy, then predicts step times as
 * Σ over tiers of max(bytes read ÷ (bandwidth × efficiency), FLOPs ÷ (peak × efficiency)) plus fixed overheads.
 * Identical nodes of a cluster each hold 1/n of the layers (pipeline stages) and pay one hop each per step.
 */
public final class Planner {
    private static final long MiB = 1L << 20, GiB = 1L << 30;

    private Planner() {}

    public static PlanResult plan(PlanRequest r) {
        Placement p = place(r);
        List<Prediction> decode = new ArrayList<>();
        for (int b : r.batches()) decode.add(step(r, p, b, false));
        Prediction prefill = step(r, p, r.prompt(), true);
        return new PlanResult(r, p, decode, prefill);
    }

    // ---- placement ------------------------------------------------------------------------------------------------

    static int stages(PlanRequest r) {
        return r.cluster().nodes().size();
    }

    /** KV cache of one stage at full context for the largest batch. */
    static long kvBytes(PlanRequest r) {
        int maxBatch = r.batches().stream().mapToInt(Integer::intValue).max().orElse(1);
        return (long) (r.ctx() * (double) maxBatch * r.model().kvElementsPerTokenLayer() * r.model().nLayer()
                * r.kvBytesPerElement() / stages(r));
    }

    /** Activations and compute buffers: a 512-token micro-batch of hidden-state temporaries plus logits. */
    static long scratchBytes(PlanRequest r) {
        ModelSpec m = r.model();
        int maxBatch = r.batches().stream().mapToInt(Integer::intValue).max().orElse(1);
        return 512L * m.nEmbd() * 4 * 16 + (long) Math.max(512, maxBatch) * m.nVocab() * 4 + 64 * MiB;
    }

    static Placement place(PlanRequest r) {
        ModelSpec m = r.model();
        Hardware.Node node = r.cluster().first();
        int n = stages(r);
        Placement p = new Placement();
        boolean unified = node.cpu().unified();
        long gpuCap = unified ? 0 : node.vramBytes() - node.gpus().size() * 512 * MiB;
        long ramCap = node.ramBytes() - Math.max(4 * GiB, node.ramBytes() / 20);
        p.capacity.put(Tier.GPU, unified ? 0 : node.vramBytes()); // the runtime reserve is booked as overhead below
        p.capacity.put(Tier.RAM, ramCap);
        p.capacity.put(Tier.DISK, Long.MAX_VALUE);
        if (gpuCap > 0) p.overhead.put(Tier.GPU, node.gpus().size() * 512 * MiB);

        Map<Role, Long> roles = new LinkedHashMap<>();
        m.bytesByRole().forEach((role, b) -> roles.put(role, b / n));
        long experts = roles.getOrDefault(Role.ROUTED_EXPERT, 0L);
        long embed = roles.getOrDefault(Role.EMBED, 0L);
        long mtp = roles.getOrDefault(Role.MTP, 0L);
        long dense = roles.values().stream().mapToLong(Long::longValue).sum() - experts - embed - mtp;
        long kv = kvBytes(r), scratch = scratchBytes(r);
        boolean hasGpu = gpuCap > 0;
        Tier compute = hasGpu ? Tier.GPU : Tier.RAM;
        p.addWeights(Tier.DISK, Role.MTP, mtp); // mapped, never read

        double fDense, fExpertGpu;
        switch (r.policy().kind()) {
            case ALL_GPU -> {
                if (!hasGpu && !unified) throw new IllegalArgumentException("--policy all-gpu needs a GPU (--gpu or --gpus)");
                Tier t = unified ? Tier.RAM : Tier.GPU;
                roles.forEach((role, b) -> { if (role != Role.MTP) p.addWeights(t, role, b); });
                p.kv.put(t, kv);
                p.scratch.put(t, scratch);
                p.denseFraction.put(t, 1.0);
                p.expertFraction.put(t, 1.0);
                return p;
            }
            case CPU_ONLY -> {
                fDense = 0;
                fExpertGpu = 0;
            }
            case LAYERS -> {
                double f = Math.min(1.0, r.policy().gpuLayers() / (double) m.nLayer());
                if (!hasGpu) f = 0;
                fDense = f;
                fExpertGpu = f;
            }
            default -> { // AUTO and CPU_MOE: non-expert weights and KV on the GPU first
                long want = dense + kv + scratch;
                fDense = !hasGpu ? 0 : want <= gpuCap ? 1.0 : Math.max(0, (gpuCap - scratch) / (double) (dense + kv));
                long left = hasGpu ? Math.max(0, gpuCap - (long) (fDense * (dense + kv)) - scratch) : 0;
                fExpertGpu = r.policy().kind() == Policy.Kind.AUTO && experts > 0 && fDense == 1.0
                        ? Math.min(1.0, left / (double) experts) : 0;
            }
        }
        // GPU share
        for (var e : roles.entrySet()) {
            Role role = e.getKey();
            if (role == Role.MTP || role == Role.EMBED) continue;
            double f = role == Role.ROUTED_EXPERT ? fExpertGpu : fDense;
            if (role == Role.OUTPUT && r.policy().kind() == Policy.Kind.LAYERS) f = r.policy().gpuLayers() > m.nLayer() ? 1 : 0;
            p.addWeights(Tier.GPU, role, (long) (e.getValue() * f));
        }
        p.kv.put(Tier.GPU, (long) (kv * fDense));
        p.scratch.put(compute, scratch);
        p.denseFraction.put(Tier.GPU, fDense);
        p.expertFraction.put(Tier.GPU, fExpertGpu);
        // RAM gets the rest; routed experts spill to disk (mmap) when RAM runs out, then anything else
        long ramUsed = p.scratch(Tier.RAM);
        p.kv.put(Tier.RAM, kv - p.kv(Tier.GPU));
        ramUsed += p.kv(Tier.RAM);
        long denseRest = 0;
        for (var e : roles.entrySet()) {
            Role role = e.getKey();
            if (role == Role.MTP || role == Role.ROUTED_EXPERT) continue;
            long rest = e.getValue() - p.weights(Tier.GPU).getOrDefault(role, 0L);
            denseRest += rest;
            p.addWeights(Tier.RAM, role, rest);
        }
        ramUsed += denseRest;
        long expertRest = experts - p.weights(Tier.GPU).getOrDefault(Role.ROUTED_EXPERT, 0L);
        long expertRam = Math.max(0, Math.min(expertRest, ramCap - ramUsed));
        p.addWeights(Tier.RAM, Role.ROUTED_EXPERT, expertRam);
        p.addWeights(Tier.DISK, Role.ROUTED_EXPERT, expertRest - expertRam);
        if (experts > 0) {
            p.expertFraction.put(Tier.RAM, expertRam / (double) experts);
            p.expertFraction.put(Tier.DISK, (expertRest - expertRam) / (double) experts);
        }
        p.denseFraction.put(Tier.RAM, 1 - fDense);
        return p;
    }

    // ---- speed ----------------------------------------------------------------------------------------------------

    private static String computeLabel(String tier) {
        return switch (tier) {
            case "RAM", "disk" -> "CPU compute";
            case "unified memory" -> "GPU compute (unified memory)";
            default -> "GPU compute";
        };
    }

    /** Expected distinct experts a batch of {@code b} tokens touches per layer: N·(1−(1−k/N)^b), an upper bound. */
    public static double distinctExperts(int nExpert, int k, int b) {
        if (nExpert == 0) return 0;
        return nExpert * (1 - Math.pow(1 - (double) k / nExpert, b));
    }

    /**
     * Prefill micro-batch: each chunk of this many tokens dispatches every product once. llama.cpp's default ubatch;
     * llama-bench's and {@code jmoe bench}'s pp tests up to 512 tokens run as one batch.
     */
    static final int CPU_MICRO_BATCH = 512;

    /**
     * Matrix products computed on the CPU in one step (each pays {@link Efficiency#cpuCallMs}): the CPU's share of the
     * dense products plus 3 per distinct expert per MoE layer held in RAM or on disk, once per micro-batch in prefill.
     */
    static double cpuProducts(PlanRequest r, Placement p, int b, boolean prefill) {
        ModelSpec m = r.model();
        int chunks = prefill ? (b + CPU_MICRO_BATCH - 1) / CPU_MICRO_BATCH : 1;
        int perChunk = prefill ? Math.min(b, CPU_MICRO_BATCH) : b;
        double cpuExperts = p.expertFraction(Tier.RAM) + p.expertFraction(Tier.DISK);
        double experts = m.moeLayers() * distinctExperts(m.nExpert(), r.expertsPerToken(), perChunk) * m.productsPerExpert() * cpuExperts;
        return chunks * (m.denseProducts() * p.denseFraction(Tier.RAM) + experts) / stages(r);
    }

    static Prediction step(PlanRequest r, Placement p, int b, boolean prefill) {
        ModelSpec m = r.model();
        Hardware.Node node = r.cluster().first();
        Efficiency e = r.efficiency();
        int n = stages(r);
        int k = r.expertsPerToken();
        int moeLayers = m.moeLayers();
        double perExpertLayer = moeLayers == 0 ? 0 : m.bytes(Role.ROUTED_EXPERT) / (double) (moeLayers * m.nExpert());
        double routedRead = moeLayers / (double) n * distinctExperts(m.nExpert(), k, b) * perExpertLayer;
        // KV read per step: decode at half the context on average; prefill reads its own growing cache
        double pos = prefill ? b / 2.0 : r.ctx() / 2.0;
        double kvRead = (prefill ? 1 : b) * pos * m.kvElementsPerTokenLayer() * m.nLayer() / n * r.kvBytesPerElement();
        double activeFlops = 2.0 * b * m.activeParameters(k) / n + 2.0 * b * pos * m.attnFlopsPerTokenCtx() / n;

        Map<String, Double> parts = new LinkedHashMap<>();
        double[] tierBytes = new double[Tier.values().length];
        double total = 0;
        for (Tier t : Tier.values()) {
            double bytes = 0;
            for (var w : p.weights(t).entrySet()) {
                switch (w.getKey()) {
                    case ROUTED_EXPERT, MTP -> { }
                    case EMBED -> bytes += (double) w.getValue() / Math.max(1, m.nVocab()) * b;
                    default -> bytes += w.getValue();
                }
            }
            bytes += routedRead * p.expertFraction(t);
            if (p.kv(t) > 0) bytes += kvRead * p.kv(t) / Math.max(1.0, p.kv(Tier.GPU) + p.kv(Tier.RAM));
            tierBytes[t.ordinal()] = bytes;
            total += bytes;
        }
        double kvRam = p.kv(Tier.RAM) / Math.max(1.0, p.kv(Tier.GPU) + p.kv(Tier.RAM));
        for (Tier t : Tier.values()) {
            double bytes = tierBytes[t.ordinal()];
            if (bytes <= 0) continue;
            if (t == Tier.RAM && e.kernels() != null && !node.cpu().unified()) {
                // the jmoe kernels as calibrated on this machine, product by product, micro-batch by micro-batch
                int chunk = prefill ? Math.min(b, CPU_MICRO_BATCH) : b;
                int chunks = (b + chunk - 1) / chunk;
                double attnFlops = 2.0 * b * pos * m.attnFlopsPerTokenCtx() / n * kvRam;
                KernelStep.parts(r, p, chunk, chunks, prefill, kvRead * kvRam, attnFlops).forEach((kk, v) -> parts.merge(kk, v, Double::sum));
                continue;
            }
            double flops = activeFlops * bytes / Math.max(1, total);
            double bw, peak;
            String what;
            if (t == Tier.GPU) {
                int par = r.tensorParallel() ? node.gpus().size() : 1;
                bw = node.gpus().get(0).bandwidthGBs() * 1e9 * e.gpuBw() * par;
                peak = node.gpus().get(0).fp16Tflops() * 1e12 * e.gpuCompute() * par;
                what = "GPU";
            } else if (t == Tier.RAM) {
                Hardware.Cpu c = node.cpu();
                // each extra socket adds socketScaling of one socket, for bandwidth and (memory-fed) compute alike
                double sockets = 1 + (c.sockets() - 1) * e.socketScaling();
                bw = c.bandwidthGBs() / c.sockets() * sockets * 1e9 * e.cpuBw();
                peak = c.unified() ? c.gpuTflops() * 1e12 * e.gpuCompute()
                        : (double) c.cores() / c.sockets() * sockets * c.gflopsPerCore() * 1e9 * e.cpuCompute();
                what = c.unified() ? "unified memory" : "RAM";
                if (prefill && e.prefillStreamsToGpu() && !node.gpus().isEmpty() && b >= 32) {
                    // llama.cpp copies CPU-resident weights to the GPU for big batches and computes there
                    bw = node.pcie().bandwidthGBs() * 1e9 * e.pcieEff();
                    peak = node.gpus().get(0).fp16Tflops() * 1e12 * e.gpuCompute();
                    what = "PCIe";
                }
            } else {
                bw = node.disk().readGBs() * 1e9 * e.diskBw();
                peak = Double.MAX_VALUE;
                what = "disk";
            }
            double memMs = bytes / bw * 1e3, compMs = flops / peak * 1e3;
            if (compMs > memMs) parts.merge(computeLabel(what), compMs, Double::sum);
            else parts.merge(what.equals("PCIe") ? "PCIe transfer" : what + " bandwidth", memMs, Double::sum);
        }
        double expertCalls = p.expertFraction(Tier.GPU) * moeLayers / (double) n * distinctExperts(m.nExpert(), k, b) * 3;
        double fixed = e.layerOverheadMs() * m.nLayer() / n + expertCalls * e.gpuExpertCallMs()
                + cpuProducts(r, p, b, prefill) * e.cpuCallMs();
        if (fixed > 0) parts.put("fixed per-step overhead", fixed);
        // the n identical stages run one after another for one token stream, then the hidden state hops on
        Map<String, Double> scaled = new LinkedHashMap<>();
        parts.forEach((kk, v) -> scaled.put(kk, v * n));
        if (n > 1) {
            Hardware.Link l = r.cluster().link();
            double hop = e.hopMs() + l.latencyMicros() / 1e3 + (double) b * m.nEmbd() * 2 / (l.bandwidthGBs() * 1e9) * 1e3;
            scaled.put("network hops (" + n + " × " + l.name() + ")", n * hop);
        }
        double stepMs = scaled.values().stream().mapToDouble(Double::doubleValue).sum();
        String bottleneck = scaled.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("-");
        return new Prediction(b, b / stepMs * 1e3, stepMs, scaled, bottleneck);
    }
}
