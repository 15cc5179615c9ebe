package dev.jmoe.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    static final int V = 16;

    /** Greedy continuation of the fake model, computed by hand from its rule. */
    static int[] expectedGreedy(int[] prompt, int n) {
        int[] out = new int[n];
        int last = prompt[prompt.length - 1];
        int pos = prompt.length - 1;
        for (int i = 0; i < n; i++) {
            last = FakeModel.next(last, pos, V);
            out[i] = last;
            pos++;
        }
        return out;
    }

    static Sampler greedy() {
        return SamplerParams.greedy().build(V);
    }

    @Test
    void greedyGenerationFollowsTheModel() {
        FakeModel m = new FakeModel(V, 64);
        int[] prompt = {1, 5, 7};
        Generation g = new Generator(m).generate(prompt, GenerationConfig.of(8), greedy(), null);
        assertThat(g.generatedIds()).containsExactly(expectedGreedy(prompt, 8));
        assertThat(g.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
        assertThat(g.text()).isNull();
        assertThat(g.promptIds()).containsExactly(prompt);
        // one prefill, then 7 single-token decodes: the 8th token is never fed back
        assertThat(m.calls).hasSize(8);
        assertThat(m.calls.get(0)).isEqualTo(new FakeModel.Call(0, 3, true));
        assertThat(m.calls.get(7)).isEqualTo(new FakeModel.Call(9, 1, true));
    }

    @Test
    void prefillIsSplitIntoMicroBatchesWithLogitsOnlyAtTheEnd() {
        FakeModel m = new FakeModel(V, 64);
        int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        new Generator(m).generate(prompt, GenerationConfig.of(1).withMicroBatch(4), greedy(), null);
        assertThat(m.calls).containsExactly(new FakeModel.Call(0, 4, false), new FakeModel.Call(4, 4, false),
                new FakeModel.Call(8, 2, true));
        assertThat(m.truncations).containsExactly(0);
    }

    @Test
    void stopsRightAfterAnEndOfGenerationTokenAndKeepsIt() {
        int[] prompt = {1, 5, 7};
        int[] free = expectedGreedy(prompt, 8);
        int eos = free[3];
        FakeModel m = new FakeModel(V, 64);
        Generation g = new Generator(m).generate(prompt, GenerationConfig.of(8, 99, eos), greedy(), null);
        int firstEos = 0;
        while (free[firstEos] != eos) firstEos++;
        assertThat(g.generatedIds()).containsExactly(java.util.Arrays.copyOf(free, firstEos + 1));
        assertThat(g.stopReason()).isEqualTo(StopReason.END_OF_GENERATION);
    }

    @Test
    void stopsWhenTheContextIsFull() {
        FakeModel m = new FakeModel(V, 7);
        Generation g = new Generator(m).generate(new int[]{1, 2, 3, 4, 5}, GenerationConfig.of(100), greedy(), null);
        // positions 5 and 6 take two fed-back tokens; the third generated token has no room to be fed
        assertThat(g.generatedIds()).hasSize(3);
        assertThat(g.stopReason()).isEqualTo(StopReason.CONTEXT_FULL);
        assertThat(m.position()).isEqualTo(7);
    }

    @Test
    void zeroMaxTokensOnlyPrefills() {
        FakeModel m = new FakeModel(V, 64);
        Generation g = new Generator(m).generate(new int[]{3}, GenerationConfig.of(0), greedy(), null);
        assertThat(g.generatedIds()).isEmpty();
        assertThat(g.stats().ttftSeconds()).isNull();
        assertThat(g.stats().generationTokensPerSecond()).isNull();
        assertThat(m.calls).hasSize(1);
    }

    @Test
    void rejectsBadPromptsBeforeAnyCompute() {
        FakeModel m = new FakeModel(V, 4);
        Generator gen = new Generator(m);
        assertThatThrownBy(() -> gen.generate(new int[]{1, 2, 3, 4, 5}, GenerationConfig.of(1), greedy(), null))
                .hasMessageContaining("5 tokens").hasMessageContaining("context of 4");
        assertThatThrownBy(() -> gen.generate(new int[]{1, 16}, GenerationConfig.of(1), greedy(), null))
                .hasMessageContaining("id 16");
        assertThatThrownBy(() -> gen.generate(new int[0], GenerationConfig.of(1), greedy(), null))
                .hasMessageContaining("empty");
        assertThat(m.calls).isEmpty();
    }

    @Test
    void streamsEveryTokenAndTheStatsAddUp() {
        FakeModel m = new FakeModel(V, 64);
        List<Integer> streamed = new ArrayList<>();
        Generation g = new Generator(m).generate(new int[]{2, 4}, GenerationConfig.of(6), greedy(),
                (id, text) -> streamed.add(id));
        assertThat(streamed).containsExactly(java.util.Arrays.stream(g.generatedIds()).boxed().toArray(Integer[]::new));
        GenerationStats s = g.stats();
        assertThat(s.promptTokens()).isEqualTo(2);
        assertThat(s.generatedTokens()).isEqualTo(6);
        assertThat(s.kvCacheBytes()).isEqualTo(12345);
        assertThat(s.ttftSeconds()).isNotNull().isPositive();
        assertThat(s.loadSeconds()).isNull();
        assertThat(s.withLoadSeconds(1.5).loadSeconds()).isEqualTo(1.5);
        if (PeakRss.bytes() != null) assertThat(s.peakRssBytes()).isPositive();
    }

    static final Detokenizer LETTERS = id -> new byte[]{(byte) ('a' + id)};

    @Test
    void rendersTextAndStopsAtAStopStringWithoutShowingIt() {
        int[] prompt = {1, 5, 7};
        int[] free = expectedGreedy(prompt, 10);
        StringBuilder all = new StringBuilder();
        for (int id : free) all.append((char) ('a' + id));
        String stop = all.substring(4, 6);                 // two letters spanning tokens 4 and 5
        int at = all.indexOf(stop);
        StringBuilder shown = new StringBuilder();
        Generation g = new Generator(new FakeModel(V, 64)).generate(prompt,
                GenerationConfig.of(10).withText(LETTERS, List.of(stop)), greedy(), (id, t) -> shown.append(t));
        assertThat(g.stopReason()).isEqualTo(StopReason.STOP_STRING);
        assertThat(g.text()).isEqualTo(all.substring(0, at));
        assertThat(shown.toString()).isEqualTo(g.text());
        assertThat(g.generatedIds()).hasSize(at + 2);

        Generation plain = new Generator(new FakeModel(V, 64)).generate(prompt,
                GenerationConfig.of(10).withText(LETTERS, List.of()), greedy(), null);
        assertThat(plain.text()).isEqualTo(all.toString());
    }

    @Test
    void aHeldBackPartialStopStringIsReleasedWhenItBreaks() {
        TextStream s = new TextStream(LETTERS, List.of("bcx"));
        assertThat(s.push(0, true, false)).isEqualTo("a");
        assertThat(s.push(1, true, false)).isEmpty();     // "b" could start "bcx"
        assertThat(s.push(2, true, false)).isEmpty();     // "bc" too
        assertThat(s.push(3, true, false)).isEqualTo("bcd");
        assertThat(s.push(1, true, true)).isEqualTo("b"); // last: everything held comes out
        assertThat(s.text()).isEqualTo("abcdb");
        assertThat(s.stopped()).isFalse();
    }

    @Test
    void multiByteCharactersSplitAcrossTokensComeOutWhole() {
        byte[] e = "é€".getBytes(StandardCharsets.UTF_8);   // C3 A9 E2 82 AC
        Detokenizer bytes = id -> new byte[]{e[id]};
        TextStream s = new TextStream(bytes, List.of());
        assertThat(s.push(0, true, false)).isEmpty();
        assertThat(s.push(1, true, false)).isEqualTo("é");
        assertThat(s.push(2, true, false)).isEmpty();
        assertThat(s.push(3, true, false)).isEmpty();
        assertThat(s.push(4, true, false)).isEqualTo("€");
        TextStream cut = new TextStream(bytes, List.of());
        cut.push(2, true, false);
        assertThat(cut.push(3, true, true)).isEqualTo("\uFFFD");
    }

    @Test
    void endOfGenerationTokensAreNotRendered() {
        int[] prompt = {1, 5, 7};
        int eos = expectedGreedy(prompt, 1)[0];
        Generation g = new Generator(new FakeModel(V, 64)).generate(prompt,
                GenerationConfig.of(5, eos).withText(LETTERS, List.of()), greedy(), null);
        assertThat(g.generatedIds()).containsExactly(eos);
        assertThat(g.text()).isEmpty();
    }

    @Test
    void thePromptFeedsThePenalties() {
        List<Integer> accepted = new ArrayList<>();
        SamplerStage spy = new SamplerStage() {
            @Override
            public void apply(Candidates c) {}

            @Override
            public void accept(int token) {
                accepted.add(token);
            }
        };
        Sampler s = new Sampler(V, List.of(spy), new Greedy());
        Generation g = new Generator(new FakeModel(V, 64)).generate(new int[]{4, 9}, GenerationConfig.of(2), s, null);
        assertThat(accepted).containsExactly(4, 9, g.generatedIds()[0], g.generatedIds()[1]);
    }

    @Test
    void peakRssParsesVmHwm() {
        assertThat(PeakRss.parse("Name:\tjava\nVmPeak:\t  100 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1 kB\n"))
                .isEqualTo(2048L * 1024);
        assertThat(PeakRss.parse("Name:\tjava\n")).isNull();
    }

    @Test
    void benchTimesFreshPrefillsAndDecodes() {
        FakeModel m = new FakeModel(V, 64);
        Bench b = new Bench(m, 1, java.time.Duration.ZERO);
        long[] pp = b.prefill(8, 3, true);
        assertThat(pp).hasSize(3);
        assertThat(java.util.Arrays.stream(pp).min().orElseThrow()).isPositive();
        assertThat(m.calls).hasSize(4).allMatch(c -> c.count() == 8 && c.position() == 0 && c.wantsLogits());
        m.calls.clear();
        long[] tg = b.decode(5, 2, true);
        assertThat(tg).hasSize(2);
        // the warmup is the whole test (5 decodes), then 2 repetitions of 5
        assertThat(m.calls).hasSize(15).allMatch(c -> c.count() == 1 && c.wantsLogits());
        assertThat(m.calls.get(5).position()).isZero();      // each repetition starts on a cleared cache
        assertThat(m.calls.get(10).position()).isZero();
        assertThat(m.calls.get(14).position()).isEqualTo(4);
        assertThatThrownBy(() -> b.prefill(65, 1, false)).hasMessageContaining("context of 64");
    }

    @Test
    void benchAtADepthRunsAfterThatManyCachedTokens() {
        FakeModel m = new FakeModel(V, 64);
        Bench b = new Bench(m, 1, java.time.Duration.ZERO);
        b.decode(3, 2, true, 20);
        // the depth is prefilled once (no logits), then warmup and repetitions each start from the cache cut back to it
        assertThat(m.calls.get(0)).isEqualTo(new FakeModel.Call(0, 20, false));
        assertThat(m.calls).hasSize(1 + 3 * 3);
        for (int run = 0; run < 3; run++) {
            for (int i = 0; i < 3; i++) assertThat(m.calls.get(1 + 3 * run + i)).isEqualTo(new FakeModel.Call(20 + i, 1, true));
        }
        assertThat(m.truncations).containsExactly(0, 20, 20, 20);
        m.calls.clear();
        b.prefill(8, 1, false, 40);
        assertThat(m.calls).containsExactly(new FakeModel.Call(0, 40, false), new FakeModel.Call(40, 8, true));
        assertThatThrownBy(() -> b.decode(5, 1, false, 60)).hasMessageContaining("60 + 5 tokens do not fit the context of 64");
        assertThatThrownBy(() -> b.decode(5, 1, false, -1)).hasMessageContaining("depth must be >= 0");
    }

    @Test
    void benchWarmsUpForTheLeastTimeGiven() {
        FakeModel m = new FakeModel(V, 64);
        m.forwardNanos = 1_000_000;
        Bench b = new Bench(m, 1, java.time.Duration.ofMillis(300));
        b.decode(3, 2, true);
        Bench.Warmup w = b.lastWarmup();
        assertThat(w.nanos()).isGreaterThanOrEqualTo(300_000_000L).isLessThan(5 * 300_000_000L + 1_000_000_000L);
        assertThat(w.runs()).isGreaterThan(1);
        assertThat(m.calls).hasSize(3 * (w.runs() + 2));
        b.decode(3, 1, false);
        assertThat(b.lastWarmup().runs()).isZero();
        assertThatThrownBy(() -> new Bench(m, 1, java.time.Duration.ofMillis(-1))).hasMessageContaining("warmup must be >= 0");
    }

    @Test
    void benchStatisticsAreLlamaBenchs() {
        assertThat(Bench.tokensPerSecond(new long[]{1_000_000_000L, 500_000_000L}, 10)).containsExactly(10.0, 20.0);
        assertThat(Bench.mean(new double[]{1, 2, 3, 4})).isEqualTo(2.5);
        assertThat(Bench.stdev(new double[]{1, 2, 3, 4})).isCloseTo(Math.sqrt(5.0 / 3), org.assertj.core.api.Assertions.within(1e-12));
        assertThat(Bench.stdev(new double[]{7})).isZero();
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void aReusingGeneratorPrefillsOnlyWhatFollowsTheCachedPrefix() {
        FakeModel m = new FakeModel(V, 64);
        Generator gen = new Generator(m, true);
        int[] first = {1, 5, 7};
        Generation a = gen.generate(first, GenerationConfig.of(4), greedy(), null);
        assertThat(a.stats().cachedTokens()).isZero();
        assertThat(m.truncations).containsExactly(0);

        // the next turn: the first prompt, the answer, new tokens. Cached: the prompt and the 3 answer tokens fed back
        // (the 4th was sampled last and never fed), so the prefill starts at 6 with the 4th answer token
        int[] second = concat(first, a.generatedIds(), new int[]{9, 2});
        m.calls.clear();
        m.truncations.clear();
        Generation b = gen.generate(second, GenerationConfig.of(4), greedy(), null);
        assertThat(m.truncations).containsExactly(6);
        assertThat(m.calls.get(0)).isEqualTo(new FakeModel.Call(6, second.length - 6, true));
        assertThat(b.stats().cachedTokens()).isEqualTo(6);
        assertThat(b.stats().promptTokens()).isEqualTo(second.length - 6);
        assertThat(b.generatedIds()).containsExactly(expectedGreedy(second, 4)); // as from an empty cache

        // the same prompt again: all but its last token reused, the last forwarded again for its logits
        m.calls.clear();
        m.truncations.clear();
        Generation c = gen.generate(second, GenerationConfig.of(2), greedy(), null);
        assertThat(m.truncations).containsExactly(second.length - 1);
        assertThat(m.calls.get(0)).isEqualTo(new FakeModel.Call(second.length - 1, 1, true));
        assertThat(c.generatedIds()).containsExactly(expectedGreedy(second, 2));

        // a prompt that differs at position 2 keeps positions 0 and 1 only
        m.truncations.clear();
        int[] other = {1, 5, 3, 3};
        Generation d = gen.generate(other, GenerationConfig.of(3), greedy(), null);
        assertThat(m.truncations).containsExactly(2);
        assertThat(d.stats().cachedTokens()).isEqualTo(2);
        assertThat(d.generatedIds()).containsExactly(expectedGreedy(other, 3));

        // the cache changed by someone else: nothing is reused
        m.truncate(1);
        m.truncations.clear();
        Generation e = gen.generate(other, GenerationConfig.of(1), greedy(), null);
        assertThat(m.truncations).containsExactly(0);
        assertThat(e.stats().cachedTokens()).isZero();

        // a plain generator starts from an empty cache every time
        FakeModel m2 = new FakeModel(V, 64);
        Generator plain = new Generator(m2);
        plain.generate(first, GenerationConfig.of(2), greedy(), null);
        plain.generate(first, GenerationConfig.of(2), greedy(), null);
        assertThat(m2.truncations).containsExactly(0, 0);
    }
}
