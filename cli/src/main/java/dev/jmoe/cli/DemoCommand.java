package dev.jmoe.cli;

import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.model.synth.Shapes;
import dev.jmoe.model.synth.Summary;
import dev.jmoe.model.synth.Synthesizer;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.generate.Bench;
import dev.jmoe.model.generate.Generation;
import dev.jmoe.model.generate.GenerationConfig;
import dev.jmoe.model.generate.Generator;
import dev.jmoe.model.generate.SamplerParams;
import dev.jmoe.plan.Efficiency;
import dev.jmoe.plan.HardwareSpec;
import dev.jmoe.plan.ModelCatalog;
import dev.jmoe.plan.PlanReport;
import dev.jmoe.plan.PlanRequest;
import dev.jmoe.plan.PlanResult;
import dev.jmoe.plan.Planner;
import dev.jmoe.plan.Policy;
import dev.jmoe.plan.ThisMachine;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jmoe demo}: the README's first command. Step by step, on a model it makes itself: synthesize dsv3-tiny (once,
 * cached), show what is in it, answer the seed question with the planner, generate with the engine, and measure
 * prefill/decode speed beside the planner's prediction for this machine (when {@code jmoe calibrate} has run).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Synthesize a tiny DeepSeek-V3-shaped model (cached), inspect it, plan, generate and measure.")
public final class DemoCommand implements Callable<Integer> {
    static final String SHAPE = "dsv3-tiny";
    static final long SEED = 1234;

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", description = "cache folder (default: $XDG_CACHE_HOME/jmoe or ~/.cache/jmoe)")
    Path dir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path model = (dir != null ? dir : defaultCacheDir()).resolve(SHAPE + "-F32-seed" + SEED + ".gguf");

        out.println("== 1. model: " + SHAPE + " (DeepSeek-V3 architecture, random weights)");
        if (Files.isRegularFile(model)) {
            out.println("   cached: " + model);
        } else {
            Synthesizer.write(Shapes.spec(SHAPE, null), GgmlType.F32, SEED, false, model, Synthesizer.Progress.NONE);
            out.println("   synthesized: " + model + "  (jmoe synth --shape " + SHAPE + " --seed " + SEED + " -o FILE)");
        }

        out.println("== 2. what is in it");
        try (GgufFile f = GgufFile.open(model)) {
            for (String line : Summary.lines(f)) out.println("   " + line);
        }

        out.println("== 3. the question jmoe answers: DeepSeek-V3 671B Q4_K_M on an RTX 4090 + 1-socket Xeon with 512 GB");
        out.println("   (jmoe plan deepseek-v3 -q q4_k_m --gpu rtx4090 --cpu xeon-6454s --ram 512G --engine ktransformers --policy cpu-moe)");
        PlanResult seed = Planner.plan(new PlanRequest(ModelCatalog.spec("deepseek-v3", "q4_k_m"),
                HardwareSpec.of("rtx4090", "xeon-6454s", "512G").build(), Policy.parse("cpu-moe"), 4096, "f16", 0,
                List.of(1), 512, Efficiency.profile("ktransformers"), false));
        PlanReport.text(seed, List.of(), false).lines().limit(4).forEach(l -> out.println("   " + l));

        out.println("== 4. generate with jmoe's engine (random weights: the text is noise, the machinery is real)");
        out.flush();
        int[] prompt;
        Generation g;
        TextCodec codec = Backends.textCodec(model).orElseThrow();
        prompt = codec.tokenizer().encode("Once upon a time");
        try (LanguageModel lm = Backends.load(new LoadRequest(model, 256, 64, threads(), null, CacheType.F32))) {
            GenerationConfig cfg = new GenerationConfig(32, 64, codec.endOfGenerationIds(), List.of(), codec.detokenizer());
            out.print("   Once upon a time");
            g = new Generator(lm).generate(prompt, cfg, SamplerParams.defaults(42).build(lm.vocabSize()), (id, piece) -> {
                if (piece != null) out.print(piece.replace("\n", " "));
                out.flush();
            });
            out.println();
            out.printf(Locale.ROOT, "   %d prompt tokens at %.1f tok/s, %d generated at %.1f tok/s, KV cache %d KiB%n",
                    g.stats().promptTokens(), g.stats().promptTokensPerSecond(), g.stats().generatedTokens(),
                    g.stats().generationTokensPerSecond(), g.stats().kvCacheBytes() >> 10);

            out.println("== 5. measure (llama-bench style, pp64 / tg32, 3 repetitions) beside the planner's prediction");
            Bench bench = new Bench(lm, 7);
            double pp = Bench.mean(Bench.tokensPerSecond(bench.prefill(64, 3, true), 64));
            double tg = Bench.mean(Bench.tokensPerSecond(bench.decode(32, 3, true), 32));
            var tm = ThisMachine.load();
            String ppPred = tm.map(m -> String.format(Locale.ROOT, " (plan: %.1f)", m.predict(model, 64, 0, threads()))).orElse("");
            String tgPred = tm.map(m -> String.format(Locale.ROOT, " (plan: %.1f)", m.predict(model, 0, 32, threads()))).orElse("");
            out.printf(Locale.ROOT, "   pp64 %.1f tok/s%s, tg32 %.1f tok/s%s on %d threads%n", pp, ppPred, tg, tgPred, threads());
            if (tm.isEmpty()) out.println("   (run `./jmoe calibrate` once to see the planner's prediction for this machine here)");
        }
        out.println("== next: ./jmoe --help  (inspect, plan, run, chat, bench, quantize, synth, calibrate)");
        out.flush();
        return 0;
    }

    private static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** {@code $XDG_CACHE_HOME/jmoe}, or {@code ~/.cache/jmoe}. */
    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jmoe");
    }
}
