package dev.jmoe.plan;

import dev.jmoe.plan.Placement.Tier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a plan: the few-line answer, memory and speed tables, the arithmetic ({@code --explain}), or JSON. */
public final class PlanReport {
    private PlanReport() {}

    public static String text(PlanResult p, List<Suggestions.Suggestion> suggestions, boolean explain) {
        PlanRequest r = p.request();
        ModelSpec m = r.model();
        StringBuilder sb = new StringBuilder();
        int n = r.cluster().nodes().size();
        sb.append(String.format(Locale.ROOT, "%s %s: %s of weights (%s parameters, %.2f bits/weight)%n", m.name(), m.quant(),
                Units.gb(m.totalBytes()), Units.params(m.parameters()), 8.0 * m.totalBytes() / m.parameters()));
        sb.append(String.format(Locale.ROOT, "on %s; policy %s; engine profile %s; ctx %d, KV %s, %d experts/token%n",
                r.cluster().describe(), r.policy(), r.efficiency().engine(), r.ctx(), r.kvType(), r.expertsPerToken()));
        sb.append(verdict(p)).append('\n');
        Prediction d1 = p.decode().get(0);
        sb.append(String.format(Locale.ROOT, "decode ~%s tok/s at batch %d, bound by %s; prefill ~%s tok/s (%d-token prompt), bound by %s%n",
                fmt(d1.tokensPerSecond()), d1.batch(), d1.bottleneck(), fmt(p.prefill().tokensPerSecond()), r.prompt(), p.prefill().bottleneck()));

        sb.append(String.format("%nmemory%s%n", n > 1 ? " (per node, " + n + " nodes)" : ""));
        sb.append(String.format("%-6s %12s %12s %10s %10s %12s %12s%n", "tier", "capacity", "weights", "KV", "scratch+rt", "total", "free"));
        for (Tier t : Tier.values()) {
            Placement pl = p.placement();
            if (pl.used(t) == 0 && pl.capacity(t) == 0) continue;
            if (t == Tier.DISK && pl.used(t) == 0) continue;
            String cap = t == Tier.DISK ? "-" : Units.gb(pl.capacity(t));
            String free = t == Tier.DISK ? "-" : pl.capacity(t) >= pl.used(t) ? Units.gb(pl.capacity(t) - pl.used(t)) : "SHORT " + Units.gb(pl.used(t) - pl.capacity(t));
            sb.append(String.format("%-6s %12s %12s %10s %10s %12s %12s%n", t, cap, Units.gb(pl.weightBytes(t)), Units.gb(pl.kv(t)),
                    Units.gb(pl.scratch(t) + pl.overhead(t)), Units.gb(pl.used(t)), free));
        }
        sb.append(String.format("%nspeed%n%-7s %12s %14s %10s  %s%n", "batch", "tok/s", "tok/s/seq", "step ms", "bound by"));
        for (Prediction d : p.decode()) {
            sb.append(String.format(Locale.ROOT, "%-7d %12s %14s %10.1f  %s%n", d.batch(), fmt(d.tokensPerSecond()), fmt(d.perSequence()), d.stepMs(), d.bottleneck()));
        }
        sb.append(String.format(Locale.ROOT, "%-7s %12s %14s %10.1f  %s%n", "pp" + r.prompt(), fmt(p.prefill().tokensPerSecond()), "-", p.prefill().stepMs(), p.prefill().bottleneck()));
        if (m.isMoe()) {
            sb.append("(MoE batches assume the expected number of distinct experts N·(1−(1−k/N)^B) per layer: an upper bound, real routing is correlated)\n");
        }
        if (!suggestions.isEmpty()) {
            sb.append("\nto make it fit:\n");
            for (Suggestions.Suggestion s : suggestions) {
                Prediction d = s.plan().decode().get(0);
                sb.append(String.format(Locale.ROOT, "  - %s: ~%s tok/s decode (bound by %s)%n", s.change(), fmt(d.tokensPerSecond()), d.bottleneck()));
            }
        }
        if (explain) sb.append('\n').append(explain(p));
        return sb.toString();
    }

    /** One line: fits, OOM with the shortfall per tier, or runs only by streaming from disk. */
    public static String verdict(PlanResult p) {
        if (p.fitsInMemory()) return "FITS in memory";
        Placement pl = p.placement();
        StringBuilder sb = new StringBuilder();
        if (!p.runs()) {
            sb.append("DOES NOT FIT: ");
            if (pl.shortfall(Tier.GPU) > 0) sb.append("GPU memory short by ").append(Units.gb(pl.shortfall(Tier.GPU))).append(' ');
            if (pl.shortfall(Tier.RAM) > 0) sb.append("RAM short by ").append(Units.gb(pl.shortfall(Tier.RAM)));
            return sb.toString().trim() + (p.request().cluster().nodes().size() > 1 ? " per node" : "");
        }
        return "OOM in RAM+VRAM by " + Units.gb(p.diskSpill()) + (p.request().cluster().nodes().size() > 1 ? " per node" : "")
                + ": runs only by streaming that from disk (mmap) every token";
    }

    static String explain(PlanResult p) {
        PlanRequest r = p.request();
        ModelSpec m = r.model();
        Efficiency e = r.efficiency();
        Hardware.Node node = r.cluster().first();
        StringBuilder sb = new StringBuilder("the arithmetic\n");
        sb.append(String.format(Locale.ROOT, "  weights: %s total; routed experts %s (%d MoE layers × %d experts), dense/attention/shared %s%n",
                Units.gb(m.totalBytes()), Units.gb(m.bytes(Role.ROUTED_EXPERT)), m.moeLayers(), m.nExpert(), Units.gb(m.denseBytesPerStep())));
        sb.append(String.format(Locale.ROOT, "  KV cache: ctx %d × batch %d × %d layers × %d values × %.3f B = %s%n", r.ctx(),
                r.batches().stream().mapToInt(Integer::intValue).max().orElse(1), m.nLayer(), m.kvElementsPerTokenLayer(), r.kvBytesPerElement(),
                Units.gb(Planner.kvBytes(r) * r.cluster().nodes().size())));
        if (m.isMoe()) {
            double perTok = m.bytes(Role.ROUTED_EXPERT) / (double) m.nExpert() * r.expertsPerToken();
            sb.append(String.format(Locale.ROOT, "  routed-expert reads per token: %d of %d experts × %d layers = %s%n", r.expertsPerToken(), m.nExpert(),
                    m.moeLayers(), Units.gb((long) perTok)));
        }
        sb.append(String.format(Locale.ROOT, "  placement: experts %.0f %% GPU, %.0f %% RAM, %.0f %% disk; dense weights %.0f %% GPU%n",
                100 * p.placement().expertFraction(Tier.GPU), 100 * p.placement().expertFraction(Tier.RAM), 100 * p.placement().expertFraction(Tier.DISK),
                100 * p.placement().denseFraction.get(Tier.GPU)));
        if (!node.gpus().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "  GPU: %.0f GB/s × %.2f efficiency%s; %.0f TFLOP/s × %.2f%n", node.gpus().get(0).bandwidthGBs(), e.gpuBw(),
                    r.tensorParallel() ? " × " + node.gpus().size() + " (tensor parallel)" : "", node.gpus().get(0).fp16Tflops(), e.gpuCompute()));
        }
        Hardware.Cpu c = node.cpu();
        sb.append(String.format(Locale.ROOT, "  RAM: %.1f GB/s over %d socket(s), efficiency %.2f, socket scaling %.2f; CPU %d cores × %.0f GFLOP/s × %.2f%n",
                c.bandwidthGBs(), c.sockets(), e.cpuBw(), e.socketScaling(), c.cores(), c.gflopsPerCore(), e.cpuCompute()));
        if (e.cpuCallMs() > 0) {
            sb.append(String.format(Locale.ROOT, "  CPU products per decode step: %.0f × %.1f µs to dispatch each (thread pool hand-off and join)%n",
                    Planner.cpuProducts(r, p.placement(), 1, false), e.cpuCallMs() * 1e3));
        }
        for (Prediction d : p.decode()) {
            sb.append(String.format(Locale.ROOT, "  decode batch %d: step = %s = %.1f ms → %s tok/s%n", d.batch(), parts(d), d.stepMs(), fmt(d.tokensPerSecond())));
        }
        sb.append(String.format(Locale.ROOT, "  prefill %d tokens: %s = %.1f ms%n", r.prompt(), parts(p.prefill()), p.prefill().stepMs()));
        sb.append("  each tier's time = max(bytes ÷ (bandwidth × efficiency), FLOPs ÷ (peak × efficiency)); tiers run one after another\n");
        sb.append("  efficiency source: ").append(e.source()).append('\n');
        return sb.toString();
    }

    private static String parts(Prediction d) {
        StringBuilder sb = new StringBuilder();
        d.partsMs().forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " + ").append(String.format(Locale.ROOT, "%.1f (%s)", v, k)));
        return sb.toString();
    }

    static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    /** The plan as a JSON-ready tree. */
    public static Map<String, Object> json(PlanResult p, List<Suggestions.Suggestion> suggestions) {
        PlanRequest r = p.request();
        ModelSpec m = r.model();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", Map.of("name", m.name(), "architecture", m.architecture(), "quant", m.quant(), "parameters", m.parameters(),
                "weight_bytes", m.totalBytes(), "experts", m.nExpert(), "experts_per_token", r.expertsPerToken()));
        o.put("hardware", r.cluster().describe());
        o.put("nodes", r.cluster().nodes().size());
        o.put("policy", r.policy().toString());
        o.put("engine", r.efficiency().engine());
        o.put("ctx", r.ctx());
        o.put("kv_type", r.kvType());
        o.put("fits_in_memory", p.fitsInMemory());
        o.put("runs", p.runs());
        o.put("verdict", verdict(p));
        o.put("shortfall_bytes", p.shortfall());
        o.put("disk_spill_bytes", p.diskSpill());
        Map<String, Object> mem = new LinkedHashMap<>();
        for (Tier t : Tier.values()) {
            Placement pl = p.placement();
            Map<String, Object> tier = new LinkedHashMap<>();
            tier.put("capacity_bytes", t == Tier.DISK ? null : pl.capacity(t));
            tier.put("weight_bytes", pl.weightBytes(t));
            Map<String, Long> byRole = new LinkedHashMap<>();
            pl.weights(t).forEach((role, b) -> byRole.put(role.name().toLowerCase(Locale.ROOT), b));
            tier.put("weights_by_role", byRole);
            tier.put("kv_bytes", pl.kv(t));
            tier.put("scratch_bytes", pl.scratch(t));
            tier.put("runtime_bytes", pl.overhead(t));
            tier.put("used_bytes", pl.used(t));
            tier.put("expert_fraction", pl.expertFraction(t));
            mem.put(t.name().toLowerCase(Locale.ROOT), tier);
        }
        o.put("memory_per_node", mem);
        o.put("decode", p.decode().stream().map(PlanReport::prediction).toList());
        o.put("prefill", prediction(p.prefill()));
        o.put("suggestions", suggestions.stream().map(s -> Map.of("change", s.change(), "fits", s.plan().fitsInMemory(),
                "decode_tokens_per_second", s.plan().decode().get(0).tokensPerSecond())).toList());
        return o;
    }

    private static Map<String, Object> prediction(Prediction d) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("batch", d.batch());
        o.put("tokens_per_second", d.tokensPerSecond());
        o.put("step_ms", d.stepMs());
        o.put("bottleneck", d.bottleneck());
        o.put("parts_ms", d.partsMs());
        return o;
    }
}
