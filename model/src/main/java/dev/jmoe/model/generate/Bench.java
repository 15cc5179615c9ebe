package dev.jmoe.model.generate;

import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.TokenBatch;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * llama-bench's two measurements (tools/llama-bench/llama-bench.cpp) over a {@link LanguageModel}:
 * <ul>
 *   <li>pp N: N seeded random tokens prefilled as one batch into a fresh cache; t/s = N / time;</li>
 *   <li>tg N: N single-token decodes from a fresh cache, each fed a seeded random token; t/s = N / time;</li>
 *   <li>tg N × S ({@link #decodeParallel}): S sequences decoding together, one token each per step in one batch (what a
 *   server's continuous batching runs, llama-batched-bench's S_TG); t/s = N·S / time, all sequences together.</li>
 * </ul>
 * At a depth D (llama-bench's {@code -d}, "pp512 @ d4096"), pp and tg run after D cached tokens: the D seeded random
 * tokens are prefilled once per test, untimed, and each run then starts from the cache cut back to them.
 * Each test warms up first ({@link #warm}: the full test, repeated until the JIT settles — llama-bench decodes one
 * token, but one token leaves most of the kernels in the interpreter or C1), then {@code reps} timed repetitions, each
 * on a cleared cache. Logits are computed for the last token of every forward, as llama-bench's batches request.
 */
public final class Bench {

    private final LanguageModel model;
    private final float[] logits;
    private final SplittableRandom random;
    private final long warmupMinNs;

    /** With the default warmup, {@link #WARMUP}. */
    public Bench(LanguageModel model, long seed) {
        this(model, seed, WARMUP);
    }

    /**
     * {@code warmup}: the least time a test warms up before it is timed ({@link #warm}); zero runs it once, as
     * llama-bench does.
     */
    public Bench(LanguageModel model, long seed, Duration warmup) {
        if (warmup.isNegative()) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
        this.model = model;
        this.warmupMinNs = warmup.toNanos();
        this.logits = new float[model.vocabSize()];
        this.random = new SplittableRandom(seed);
    }

    /** Nanoseconds of each timed repetition of pp{@code nPrompt}. */
    public long[] prefill(int nPrompt, int reps, boolean warmup) {
        return prefill(nPrompt, reps, warmup, 0);
    }

    /** Nanoseconds of each timed repetition of pp{@code nPrompt} after {@code depth} cached tokens. */
    public long[] prefill(int nPrompt, int reps, boolean warmup, int depth) {
        check(nPrompt, reps, depth);
        int[] tokens = new int[nPrompt];
        fill(depth);
        warm(warmup, () -> runPrefill(tokens, depth));
        long[] samples = new long[reps];
        for (int r = 0; r < reps; r++) samples[r] = runPrefill(tokens, depth);
        return samples;
    }

    /** Nanoseconds of each timed repetition of tg{@code nGen}. */
    public long[] decode(int nGen, int reps, boolean warmup) {
        return decode(nGen, reps, warmup, 0);
    }

    /** Nanoseconds of each timed repetition of tg{@code nGen} after {@code depth} cached tokens. */
    public long[] decode(int nGen, int reps, boolean warmup, int depth) {
        check(nGen, reps, depth);
        int[] one = new int[1];
        fill(depth);
        warm(warmup, () -> runDecode(one, nGen, depth));
        long[] samples = new long[reps];
        for (int r = 0; r < reps; r++) samples[r] = runDecode(one, nGen, depth);
        return samples;
    }

    /** Prefills {@code depth} seeded random tokens into a fresh cache (untimed), for the runs to start after. */
    private void fill(int depth) {
        model.truncate(0);
        if (depth == 0) return;
        int[] tokens = new int[depth];
        for (int i = 0; i < depth; i++) tokens[i] = random.nextInt(model.vocabSize());
        model.forward(tokens, 0, depth, null, null);
    }

    /**
     * Nanoseconds of each timed repetition of tg{@code nGen} over {@code seqs} sequences decoding together: every step
     * is one {@link LanguageModel#forward(TokenBatch, float[])} of one random token per sequence, each wanting logits.
     * The model needs {@code seqs} KV slots.
     */
    public long[] decodeParallel(int nGen, int seqs, int reps, boolean warmup) {
        check(nGen, reps, 0);
        if (seqs < 1 || seqs > model.slots()) {
            throw new IllegalArgumentException(seqs + " parallel sequences need as many KV slots, the model has " + model.slots());
        }
        TokenBatch batch = new TokenBatch(seqs);
        float[] rows = new float[seqs * model.vocabSize()];
        warm(warmup, () -> runDecodeParallel(batch, rows, nGen));
        long[] samples = new long[reps];
        for (int r = 0; r < reps; r++) samples[r] = runDecodeParallel(batch, rows, nGen);
        return samples;
    }

    /** The default least warmup time of a test. */
    public static final Duration WARMUP = Duration.ofSeconds(2);
    /**
     * After the least time, warmup ends once the last {@link #QUIET_RUNS} runs each saw the compilers work less than
     * this share of their wall time, the last within {@link #STEADY} of the fastest so far...
     */
    static final double SETTLED = 0.05;
    static final int QUIET_RUNS = 3;
    static final double STEADY = 1.10;
    /** ...or once it has lasted this many times the least time. */
    static final int WARMUP_MAX_FACTOR = 5;

    /** What the last {@link #prefill}, {@link #decode} or {@link #decodeParallel} spent warming up. */
    public record Warmup(int runs, long nanos) {}

    private Warmup lastWarmup = new Warmup(0, 0);

    public Warmup lastWarmup() {
        return lastWarmup;
    }

    /**
     * Runs the test until the JIT has settled. A small model's test lasts milliseconds while C2 compiles its kernels
     * over seconds on two cores: after llama-bench's single warmup run, dsv3-tiny's timed pp128 ran at a third of its
     * steady speed, the compiler threads taking half the CPU; it settles after 10–35 runs (0.5–1.5 s), and a run
     * without compilation can still be a slow one (a hot loop waiting for its C2 version). One run at least (a big
     * model's first run compiles all it needs: its runs outlast the upper bound); exactly one when the least time is
     * zero.
     */
    private void warm(boolean warmup, LongSupplier run) {
        if (!warmup) {
            lastWarmup = new Warmup(0, 0);
            return;
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime(), best = Long.MAX_VALUE;
        int runs = 0, quiet = 0;
        while (true) {
            long c0 = timed ? jit.getTotalCompilationTime() : 0;
            long ns = run.getAsLong();
            runs++;
            long compileNs = timed ? (jit.getTotalCompilationTime() - c0) * 1_000_000 : 0;
            quiet = compileNs < SETTLED * ns ? quiet + 1 : 0;
            best = Math.min(best, ns);
            long spent = System.nanoTime() - start;
            if (warmupMinNs == 0 || spent >= WARMUP_MAX_FACTOR * warmupMinNs) break;
            if (spent >= warmupMinNs && quiet >= QUIET_RUNS && ns <= STEADY * best) break;
        }
        lastWarmup = new Warmup(runs, System.nanoTime() - start);
    }

    private long runDecodeParallel(TokenBatch batch, float[] rows, int n) {
        for (int s = 0; s < batch.capacity(); s++) model.truncate(s, 0);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            batch.clear();
            for (int s = 0; s < batch.capacity(); s++) batch.add(random.nextInt(model.vocabSize()), s, true);
            model.forward(batch, rows);
        }
        return System.nanoTime() - t0;
    }

    private long runPrefill(int[] tokens, int depth) {
        for (int i = 0; i < tokens.length; i++) tokens[i] = random.nextInt(model.vocabSize());
        model.truncate(depth);
        long t0 = System.nanoTime();
        model.forward(tokens, 0, tokens.length, logits, null);
        return System.nanoTime() - t0;
    }

    private long runDecode(int[] one, int n, int depth) {
        model.truncate(depth);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            one[0] = random.nextInt(model.vocabSize());
            model.forward(one, 0, 1, logits, null);
        }
        return System.nanoTime() - t0;
    }

    private void check(int n, int reps, int depth) {
        if (n < 1) throw new IllegalArgumentException("a test needs at least one token, got " + n);
        if (reps < 1) throw new IllegalArgumentException("repetitions must be >= 1, got " + reps);
        if (depth < 0) throw new IllegalArgumentException("depth must be >= 0, got " + depth);
        if ((long) depth + n > model.contextLength()) {
            throw new IllegalArgumentException((depth > 0 ? depth + " + " : "") + n + " tokens do not fit the context of " + model.contextLength());
        }
    }

    /** Tokens per second of each sample: {@code 1e9 · n / ns}. */
    public static double[] tokensPerSecond(long[] samplesNs, int n) {
        double[] ts = new double[samplesNs.length];
        for (int i = 0; i < ts.length; i++) ts[i] = 1e9 * n / samplesNs[i];
        return ts;
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return v.length == 0 ? 0 : s / v.length;
    }

    /** Sample standard deviation (n − 1), 0 for fewer than two values, as llama-bench computes it. */
    public static double stdev(double[] v) {
        if (v.length <= 1) return 0;
        double m = mean(v);
        double sq = 0;
        for (double x : v) sq += (x - m) * (x - m);
        return Math.sqrt(sq / (v.length - 1));
    }
}
