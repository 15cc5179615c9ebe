package dev.jmoe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jmoe.plan.Calibration;
import dev.jmoe.plan.Efficiency;
import dev.jmoe.plan.HardwareCatalog;
import dev.jmoe.plan.HardwareFile;
import dev.jmoe.plan.HardwareSpec;
import dev.jmoe.plan.ModelCatalog;
import dev.jmoe.plan.ModelSpec;
import dev.jmoe.plan.ModelSpecs;
import dev.jmoe.plan.PlanChart;
import dev.jmoe.plan.PlanReport;
import dev.jmoe.plan.PlanRequest;
import dev.jmoe.plan.PlanResult;
import dev.jmoe.plan.Planner;
import dev.jmoe.plan.Policy;
import dev.jmoe.plan.Suggestions;
import dev.jmoe.plan.Validation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jmoe plan}: will the model fit this hardware, where does each tensor go, how many tok/s — before loading. */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict memory per tier, fit or OOM, placement and prefill/decode tok/s for a model on hardware,",
                "from a GGUF header or a catalog model — nothing is loaded.",
                "Example: jmoe plan deepseek-v3 -q q4_k_m --gpu rtx4090 --cpu xeon-6454s --ram 384G"})
public final class PlanCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "MODEL", description = "a GGUF file, or a catalog name (see --list)")
    String model;

    @Option(names = {"-q", "--quant"}, description = "quantization of a catalog model: ${COMPLETION-CANDIDATES}", completionCandidates = Quants.class)
    String quant;

    @Option(names = "--gpu", parameterConsumer = CountedName.class, description = "GPU name, or COUNTx NAME (e.g. 4x rtx3090)")
    String gpu;

    @Option(names = "--gpus", parameterConsumer = CountedName.class, description = "same as --gpu (e.g. 4x rtx3090)")
    String gpus;

    @Option(names = "--cpu", description = "CPU / memory system name (see --list)")
    String cpu;

    @Option(names = "--ram", description = "RAM per node, e.g. 384G")
    String ram;

    @Option(names = "--ram-bw", description = "custom RAM bandwidth, GB/s")
    Double ramBw;

    @Option(names = "--vram", description = "custom GPU memory, e.g. 24G (with --gpu-bw defines a GPU)")
    String vram;

    @Option(names = "--gpu-bw", description = "custom GPU bandwidth, GB/s")
    Double gpuBw;

    @Option(names = "--pcie", description = "PCIe generation or link name (3, 4, 5)")
    String pcie;

    @Option(names = "--disk", description = "disk: sata-ssd, nvme-gen4, nvme-gen5")
    String disk;

    @Option(names = "--nodes", parameterConsumer = CountedName.class, description = "COUNTx NODE for a multi-node pipeline, e.g. 8x m4-pro-64g")
    String nodes;

    @Option(names = "--link", description = "link between nodes: tb4, tb5, 10gbe, 25gbe, 100gbe, ib-ndr, nvlink")
    String link;

    @Option(names = "--hw", description = "hardware from a YAML/JSON file, or 'this' (measured by jmoe calibrate)")
    String hw;

    @Option(names = "--batch", split = ",", defaultValue = "1", description = "decode batch sizes, e.g. 1,8,32; the KV cache is sized for the largest (default ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Option(names = "--ctx", defaultValue = "4096", description = "context length for the KV cache (default ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = "--kv", defaultValue = "f16", description = "KV cache type: f32, f16, bf16, q8_0 (default ${DEFAULT-VALUE})")
    String kvType;

    @Option(names = "--experts", defaultValue = "0", description = "routed experts per token (default: the model's)")
    int experts;

    @Option(names = "--policy", defaultValue = "auto", description = "auto | all-gpu | layers:N | cpu-moe | cpu-only (default ${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--engine", defaultValue = "jmoe", description = "efficiency profile: jmoe, llama.cpp, ktransformers, sglang, exo")
    String engine;

    @Option(names = "--eff", split = ",", description = "efficiency overrides KEY=VALUE: gpu-bw, cpu-bw, socket-scaling, disk-bw, gpu-compute, cpu-compute, layer-overhead-ms, gpu-expert-call-ms, cpu-call-ms, hop-ms, pcie")
    Map<String, Double> eff = new LinkedHashMap<>();

    @Option(names = "--prompt", defaultValue = "512", description = "prompt length for the prefill prediction (default ${DEFAULT-VALUE})")
    int prompt;

    @Option(names = "--tp", description = "tensor parallel across a node's GPUs (SGLang/vLLM style) instead of layer split")
    boolean tensorParallel;

    @Option(names = "--json", description = "print the plan as JSON")
    boolean json;

    @Option(names = "--explain", description = "show the arithmetic")
    boolean explain;

    @Option(names = "--chart", paramLabel = "FILE.png", description = "write memory bars per tier and tok/s vs batch as a PNG")
    Path chart;

    @Option(names = "--validate", description = "run the predictor over published DeepSeek-V3/R1 measurements")
    boolean validate;

    @Option(names = "--list", description = "list the catalog: models, quantizations, hardware, engines")
    boolean list;

    /** Takes "4x rtx3090" written as one argument or as two ("4x" "rtx3090"), as the help shows it. */
    static final class CountedName implements picocli.CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(java.util.Stack<String> args, picocli.CommandLine.Model.ArgSpec argSpec,
                                      picocli.CommandLine.Model.CommandSpec commandSpec) {
            if (args.isEmpty()) throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(), argSpec + " needs a value");
            String v = args.pop();
            if (v.matches("\\d+[x×]") && !args.isEmpty()) v = v + " " + args.pop();
            argSpec.setValue(v);
        }
    }

    static final class Quants extends java.util.ArrayList<String> {
        Quants() {
            super(ModelCatalog.QUANTS);
        }
    }

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        if (list) {
            out.println("models:  " + String.join(", ", ModelCatalog.names()));
            out.println("quants:  " + String.join(", ", ModelCatalog.QUANTS));
            out.println("gpus:    " + String.join(", ", HardwareCatalog.gpus().keySet()));
            out.println("cpus:    " + String.join(", ", HardwareCatalog.cpus().keySet()));
            out.println("links:   " + String.join(", ", HardwareCatalog.links().keySet()));
            out.println("disks:   " + String.join(", ", HardwareCatalog.disks().keySet()));
            out.println("engines: " + String.join(", ", Efficiency.profiles().keySet()));
            return 0;
        }
        if (validate) {
            printValidation(out);
            return 0;
        }
        if (model == null) throw new IllegalArgumentException("name a model: a GGUF file or one of " + String.join(", ", ModelCatalog.names()));
        ModelSpec m;
        String catalogName = null;
        Path file = Path.of(model);
        if (model.endsWith(".gguf") || Files.isRegularFile(file)) {
            if (quant != null) throw new IllegalArgumentException("--quant applies to catalog models; a GGUF file carries its own tensor types");
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such file: " + model);
            m = ModelSpecs.fromGguf(file);
        } else {
            catalogName = ModelCatalog.config(model).name();
            m = ModelCatalog.spec(catalogName, quant == null ? "q4_k_m" : quant);
        }
        Efficiency e = Efficiency.profile(engine);
        HardwareSpec hs;
        if (hw != null) {
            if (gpu != null || gpus != null || cpu != null || ram != null || nodes != null || vram != null) {
                throw new IllegalArgumentException("--hw " + hw + " describes the whole machine; drop --gpu/--cpu/--ram/--nodes/--vram or drop --hw");
            }
            Path f = hw.equals("this") ? HardwareFile.calibrationPath() : Path.of(hw);
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException(hw.equals("this") ? "no calibration at " + f + ": run `jmoe calibrate` first" : "no such hardware file: " + hw);
            }
            hs = HardwareFile.read(f);
            if (hw.equals("this") && engine.equals("jmoe")) {
                e = Calibration.efficiency(new ObjectMapper().readTree(f.toFile()));
            }
        } else {
            if (gpu != null && gpus != null) throw new IllegalArgumentException("give --gpu or --gpus, not both");
            hs = new HardwareSpec(gpu != null ? gpu : gpus, cpu, ram, ramBw, vram, gpuBw, pcie == null ? null : pcie.startsWith("pcie") ? pcie : "pcie" + pcie,
                    disk, nodes, link);
        }
        e = e.withOverrides(eff);
        if (batches.stream().anyMatch(b -> b < 1)) throw new IllegalArgumentException("--batch sizes must be >= 1");
        if (ctx < 1) throw new IllegalArgumentException("--ctx must be >= 1");
        if (experts < 0 || (m.nExpert() > 0 && experts > m.nExpert())) {
            throw new IllegalArgumentException("--experts must be between 1 and the model's " + m.nExpert() + " experts");
        }
        if (experts > 0 && !m.isMoe()) throw new IllegalArgumentException("--experts applies to MoE models; " + m.name() + " is dense");
        PlanRequest req = new PlanRequest(m, hs.build(), Policy.parse(policy), ctx, kvType, experts, List.copyOf(batches), prompt, e, tensorParallel);
        req.kvBytesPerElement(); // validates --kv before planning
        PlanResult p = Planner.plan(req);
        List<Suggestions.Suggestion> sug = Suggestions.forPlan(p, catalogName);
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(PlanReport.json(p, sug)));
        } else {
            out.print(PlanReport.text(p, sug, explain));
        }
        if (chart != null) {
            PlanChart.write(p, chart);
            spec.commandLine().getErr().println("chart written to " + chart);
        }
        return 0;
    }

    private void printValidation(java.io.PrintWriter out) {
        var cs = Validation.compare();
        out.printf("%-3s %-46s %-11s %10s %10s %8s%n", "#", "system (configuration in dev.jmoe.plan.Validation)", "figure", "predicted", "measured", "error");
        for (var c : cs) {
            out.printf(Locale.ROOT, "%-3d %-46s %-11s %10.2f %10.2f %+7.1f%%%s%n", c.row().id(), trim(c.row().system(), 46), c.what(),
                    c.predicted(), c.measured(), 100 * c.error(), c.row().modeled() ? "" : "  (not modeled: " + c.row().note() + ")");
        }
        out.printf(Locale.ROOT, "median |error| over modeled rows: %.1f%%%n%n", 100 * Validation.medianAbsError(cs));
        out.println("seed estimates (ranges):");
        for (var est : Validation.estimates()) {
            ModelSpec m = ModelCatalog.spec("deepseek-v3", "q4_k_m");
            PlanResult p = Planner.plan(new PlanRequest(m, est.hw().build(), Policy.parse(est.policy()), 4096, "f16", 0, List.of(1), 512,
                    Efficiency.profile(est.engine()), false));
            String got = est.expectOom() ? (p.runs() ? "fits (expected OOM)" : "OOM: " + PlanReport.verdict(p))
                    : String.format(Locale.ROOT, "%.2f tok/s %s", p.decode(1).tokensPerSecond(),
                    p.decode(1).tokensPerSecond() >= est.low() && p.decode(1).tokensPerSecond() <= est.high() ? "(in range)" : "(OUT of range)");
            out.printf("  %-52s %s — %s%n", est.label(), got, est.config());
        }
    }

    private static String trim(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
