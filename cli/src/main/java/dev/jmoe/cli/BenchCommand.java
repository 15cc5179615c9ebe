package dev.jmoe.cli;

import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.generate.Bench;
import dev.jmoe.tensor.DotOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jmoe bench}: llama-bench's pp / tg measurements and output formats. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures prefill (pp N: N random tokens as one batch into a fresh cache) and decode (tg N: N "
                + "single-token steps) speed like llama-bench: a warmup (--warmup-time), then -r timed repetitions; prints "
                + "t/s as mean ± sd in llama-bench's markdown, JSON or CSV layout, and each test's warmup on stderr."})
public final class BenchCommand implements Callable<Integer> {

    /** Predicts t/s for a row (the planner, once there is one); null: no prediction column. */
    interface Predictor {
        Double predict(Path file, dev.jmoe.model.ModelInfo info, int nPrompt, int nGen, int seqs, int threads, int depth);
    }

    /** Weight bytes a decode token reads in a model file with k experts per token; null when unknown. */
    interface Traffic {
        Double bytesPerToken(Path file, Integer experts);
    }

    Backend backend = Backends.DEFAULT;
    /** From the GGUF header through the planner's per-tensor sizes; a header the planner can't size shows no GB/s. */
    Traffic traffic = (file, k) -> {
        try {
            dev.jmoe.plan.ModelSpec m = dev.jmoe.plan.ModelSpecs.fromGguf(file);
            return m.bytesPerToken(k != null ? k : m.nExpertUsed());
        } catch (RuntimeException e) {
            return null;
        }
    };
    /** The planner's prediction for this machine, when `jmoe calibrate` has measured it. */
    Predictor predictor = dev.jmoe.plan.ThisMachine.load()
            .<Predictor>map(tm -> (file, info, p, n, seqs, threads, depth) -> {
                double ts = tm.predict(file, p, n, seqs, threads, depth);
                return Double.isNaN(ts) ? null : ts;
            }).orElse(null);

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE[,FILE...]", split = ",",
            description = "GGUF model file(s)")
    Path[] models;

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N[,N...]", defaultValue = "512",
            description = "prompt lengths for pp tests, 0 = none (default: ${DEFAULT-VALUE})")
    String nPrompt;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N[,N...]", defaultValue = "128",
            description = "token counts for tg tests, 0 = none (default: ${DEFAULT-VALUE})")
    String nGen;

    @Option(names = {"-d", "--n-depth"}, paramLabel = "D[,D...]", defaultValue = "0",
            description = "cached tokens before each test, as llama-bench's -d (\"tg128 @ d4096\": decode at a 4096-token "
                    + "context); prefilled once per test, untimed (default: ${DEFAULT-VALUE})")
    String nDepth;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "R", defaultValue = "5",
            description = "timed repetitions per test (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = {"-t", "--threads"}, paramLabel = "T[,T...]", description = "thread counts (default: the available processors)")
    String threads;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "md", description = "md, json or csv (default: ${DEFAULT-VALUE})")
    String output;

    @Option(names = "--parallel", paramLabel = "S[,S...]", defaultValue = "1",
            description = "sequences decoding together in the tg tests: S > 1 runs one batch of S tokens per step, as "
                    + "`jmoe serve --parallel S` does; t/s counts all of them (default: ${DEFAULT-VALUE})")
    String parallel;

    @Option(names = "--experts", paramLabel = "K", description = "routed experts per token (default: the model's)")
    Integer experts;

    @Option(names = "--cache-type", paramLabel = "TYPE", defaultValue = "f32", converter = RunCommand.CacheTypeConverter.class,
            description = "KV cache type: f32, f16, q8_0 (default: ${DEFAULT-VALUE})")
    CacheType cacheType;

    @Option(names = "--no-repack", negatable = false, description = "keep Q4_0 weights in the file's layout instead of copying them into the packed kernels' layout at load (slower; for memory-tight machines)")
    boolean noRepack;

    @Option(names = "--dot-order", paramLabel = "ORDER", defaultValue = "fast", converter = RunCommand.DotOrderConverter.class,
            description = "float order of the Q4_0/Q8_0 products: fast, or ggml (llama.cpp's bits, batch-independent, slower) (default: ${DEFAULT-VALUE})")
    DotOrder dotOrder;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "seed of the random test tokens (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-warmup", description = "skip the warmup")
    boolean noWarmup;

    @Option(names = "--warmup-time", paramLabel = "SECONDS", defaultValue = "2",
            description = "least time each test warms up before it is timed: the test is repeated until then and until the JIT "
                    + "has settled (at most 5 times this); 0 runs it once, as llama-bench does (default: ${DEFAULT-VALUE})")
    double warmupSeconds;

    @Override
    public Integer call() {
        int[] pp = IdList.parse("-p", nPrompt, 0);
        int[] tg = IdList.parse("-n", nGen, 0);
        int[] ds = IdList.parse("-d", nDepth, 0);
        int[] ts = threads == null ? new int[]{Runtime.getRuntime().availableProcessors()} : IdList.parse("-t", threads, 1);
        if (reps < 1) throw new IllegalArgumentException("-r must be >= 1, got " + reps);
        if (!(warmupSeconds >= 0 && warmupSeconds <= 3600)) throw new IllegalArgumentException("--warmup-time must be 0 to 3600 seconds, got " + warmupSeconds);
        if (experts != null && experts < 1) throw new IllegalArgumentException("--experts must be >= 1, got " + experts);
        int[] seqs = IdList.parse("--parallel", parallel, 1);
        int maxS = Arrays.stream(seqs).max().orElse(1);
        int maxP = Arrays.stream(pp).max().orElse(0);
        int maxN = Arrays.stream(tg).max().orElse(0);
        int maxD = Arrays.stream(ds).max().orElse(0);
        if (maxP == 0 && maxN == 0) throw new IllegalArgumentException("nothing to measure: -p and -n are both 0");
        if (maxD > 0 && maxS > 1) throw new IllegalArgumentException("-d with --parallel above 1 is not supported: the depth is one sequence's");
        for (Path m : models) {
            if (!Files.isRegularFile(m)) throw new IllegalArgumentException("model file not found: " + m);
        }
        BenchPrinter printer = BenchPrinter.of(output, spec.commandLine().getOut(), predictor != null, traffic != null);
        boolean[] started = {false};        // the header waits for the first row, so a load error prints alone
        java.util.function.Consumer<BenchResult> emit = r -> {
            if (!started[0]) printer.header();
            started[0] = true;
            printer.row(r);
        };
        for (Path m : models) {
            for (int t : ts) {
                // the depth is prefilled in micro-batches of up to 512 tokens (llama-bench's default ubatch), not one by one
                int batch = Math.max(Math.max(maxP, maxS), Math.min(maxD, 512));
                LoadRequest req = new LoadRequest(m, maxD + Math.max(maxP, maxN), batch, t, experts, cacheType,
                        false, null, dotOrder, !noRepack, maxS);
                Double bytes = traffic == null ? null : traffic.bytesPerToken(m, experts);
                try (LanguageModel lm = backend.load(req)) {
                    Bench bench = new Bench(lm, seed, Duration.ofNanos(Math.round(warmupSeconds * 1e9)));
                    for (int d : ds) {
                        for (int p : pp) {
                            if (p > 0) {
                                long[] samples = bench.prefill(p, reps, !noWarmup, d);
                                warmedUp(bench, BenchResult.testName(p, 0, 1, d), t);
                                emit.accept(result(m, lm, t, p, 0, 1, d, maxP, samples, bytes));
                            }
                        }
                        for (int n : tg) {
                            if (n == 0) continue;
                            for (int s : seqs) {
                                long[] samples = s == 1 ? bench.decode(n, reps, !noWarmup, d) : bench.decodeParallel(n, s, reps, !noWarmup);
                                warmedUp(bench, BenchResult.testName(0, n, s, d), t);
                                emit.accept(result(m, lm, t, 0, n, s, d, maxP, samples, bytes));
                            }
                        }
                    }
                }
            }
        }
        printer.footer();
        return 0;
    }

    private void warmedUp(Bench bench, String test, int threads) {
        Bench.Warmup w = bench.lastWarmup();
        if (w.runs() > 0) {
            spec.commandLine().getErr().printf(java.util.Locale.ROOT, "%s, %d thread%s: warmed up by %d run%s in %.1f s%n",
                    test, threads, threads == 1 ? "" : "s", w.runs(), w.runs() == 1 ? "" : "s", w.nanos() / 1e9);
        }
    }

    private BenchResult result(Path file, LanguageModel lm, int threads, int p, int n, int seqs, int depth, int batch, long[] samples, Double bytes) {
        Double predicted = predictor == null ? null : predictor.predict(file, lm.info(), p, n, seqs, threads, depth);
        return new BenchResult(file.toString(), lm.info(), threads, p, n, seqs, depth, Math.max(batch, 1), cacheType, samples,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), predicted, bytes);
    }
}
