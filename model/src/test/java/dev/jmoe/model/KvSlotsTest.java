package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.model.synth.Shapes;
import dev.jmoe.model.synth.Synthesizer;
import dev.jmoe.tensor.Parallel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * KV slots and {@link LanguageModel#forward(TokenBatch, float[])}: sequences run side by side — prefill chunks and
 * decode tokens of different sequences in one batch, sequences joining and finishing at different steps, slots freed
 * and reused, batches split into micro-batches — must give each sequence bit for bit the logits it gets alone through
 * the single-sequence API (what the server's "batching must not change results" rests on).
 */
class KvSlotsTest {
    private static final Parallel POOL = new Parallel(2);
    private static final int GEN = 6, CTX = 48;

    @TempDir
    static Path tmp;

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    static Path synth(String shape, GgmlType type) {
        Path p = tmp.resolve(shape + "-" + type + ".gguf");
        if (!p.toFile().exists()) Synthesizer.write(Shapes.spec(shape, null), type, 7, false, p, Synthesizer.Progress.NONE);
        return p;
    }

    static Stream<Arguments> models() {
        List<Arguments> a = new ArrayList<>(List.of(
                Arguments.of("dsv3-tiny F32", synth("dsv3-tiny", GgmlType.F32), CacheType.F32),
                Arguments.of("dsv3-tiny Q4_0 f16 cache", synth("dsv3-tiny", GgmlType.Q4_0), CacheType.F16),
                Arguments.of("mixtral-tiny Q8_0", synth("mixtral-tiny", GgmlType.Q8_0), CacheType.F32),
                Arguments.of("llama-tiny F32 f16 cache", synth("llama-tiny", GgmlType.F32), CacheType.F16)));
        Path shared = SharedModels.dir().resolve("dsv3-tiny-Q8_0.gguf");
        if (java.nio.file.Files.isRegularFile(shared)) a.add(Arguments.of("shared dsv3-tiny-Q8_0", shared, CacheType.F32));
        return a.stream();
    }

    /** One sequence: its prompt and, once run, the logits of every step (prompt end, then each greedy token). */
    record Seq(int[] prompt, List<float[]> logits) {
        Seq(int[] prompt) {
            this(prompt, new ArrayList<>());
        }
    }

    static List<Seq> sequences(int vocab) {
        Random r = new Random(11);
        List<Seq> s = new ArrayList<>();
        for (int len : new int[]{3, 9, 1, 14, 6, 2, 11}) s.add(new Seq(r.ints(len, 1, vocab).toArray()));
        return s;
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** Each sequence alone: prompt in one forward, then GEN greedy single-token steps. */
    static void alone(Path gguf, CacheType cache, List<Seq> seqs) {
        try (LanguageModel m = ModelLoader.load(gguf, LoadOptions.defaults().withContextLength(CTX).withPool(POOL).withCacheType(cache))) {
            for (Seq s : seqs) {
                m.truncate(0);
                float[] l = new float[m.vocabSize()];
                m.forward(s.prompt(), 0, s.prompt().length, l, null);
                s.logits().add(l.clone());
                for (int g = 1; g < GEN; g++) {
                    m.forward(new int[]{argmax(l)}, 0, 1, l, null);
                    s.logits().add(l.clone());
                }
            }
        }
    }

    /**
     * All sequences through 3 slots: a sequence joins when a slot is free, its prompt goes in chunks of 4 tokens beside
     * the others' decode tokens, it leaves after GEN logits and its slot is truncated and reused.
     */
    static void together(Path gguf, CacheType cache, List<Seq> seqs, int maxBatch) {
        int slots = 3;
        try (LanguageModel m = ModelLoader.load(gguf, LoadOptions.defaults().withContextLength(CTX).withPool(POOL)
                .withCacheType(cache).withSlots(slots).withMaxBatch(maxBatch))) {
            assertThat(m.slots()).isEqualTo(slots);
            int vocab = m.vocabSize();
            ArrayDeque<Integer> waiting = new ArrayDeque<>();
            for (int i = 0; i < seqs.size(); i++) waiting.add(i);
            int[] in = new int[slots], fed = new int[slots], next = new int[slots];
            Arrays.fill(in, -1);
            TokenBatch b = new TokenBatch(64);
            float[] logits = new float[slots * vocab];
            int[] owner = new int[slots];
            for (int step = 0; !waiting.isEmpty() || Arrays.stream(in).anyMatch(x -> x >= 0); step++) {
                for (int s = 0; s < slots; s++) {
                    if (in[s] < 0 && !waiting.isEmpty() && step >= s) { // slots fill at different steps
                        in[s] = waiting.poll();
                        fed[s] = 0;
                        m.truncate(s, 0);
                    }
                }
                b.clear();
                int rows = 0;
                for (int s = 0; s < slots; s++) {
                    if (in[s] < 0) continue;
                    int[] p = seqs.get(in[s]).prompt();
                    if (fed[s] < p.length) {
                        int chunk = Math.min(4, p.length - fed[s]);
                        for (int i = 0; i < chunk; i++) b.add(p[fed[s] + i], s, fed[s] + i == p.length - 1);
                        fed[s] += chunk;
                        if (fed[s] == p.length) owner[rows++] = s;
                    } else {
                        b.add(next[s], s, true);
                        owner[rows++] = s;
                    }
                }
                m.forward(b, logits);
                assertThat(b.logitsCount()).isEqualTo(rows);
                for (int k = 0; k < rows; k++) {
                    int s = owner[k];
                    float[] l = Arrays.copyOfRange(logits, k * vocab, (k + 1) * vocab);
                    Seq seq = seqs.get(in[s]);
                    seq.logits().add(l);
                    next[s] = argmax(l);
                    if (seq.logits().size() == GEN) in[s] = -1;
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void sequencesSideBySideGetExactlyTheirAloneLogits(String name, Path gguf, CacheType cache) {
        int vocab;
        try (LanguageModel m = ModelLoader.load(gguf, LoadOptions.defaults().withContextLength(8))) {
            vocab = m.vocabSize();
        }
        List<Seq> ref = sequences(vocab), batched = sequences(vocab), split = sequences(vocab);
        alone(gguf, cache, ref);
        together(gguf, cache, batched, 32);
        together(gguf, cache, split, 5); // batches of up to 12 tokens run as micro-batches of 5
        for (int i = 0; i < ref.size(); i++) {
            assertThat(batched.get(i).logits()).hasSize(GEN);
            for (int g = 0; g < GEN; g++) {
                assertThat(bits(batched.get(i).logits().get(g))).as(name + " sequence " + i + " step " + g).isEqualTo(bits(ref.get(i).logits().get(g)));
                assertThat(bits(split.get(i).logits().get(g))).as(name + " sequence " + i + " step " + g + " (micro-batches)").isEqualTo(bits(ref.get(i).logits().get(g)));
            }
        }
    }

    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) b[i] = Float.floatToRawIntBits(x[i]);
        return b;
    }

    @Test
    void badBatchesAreRefusedBeforeAnyCompute() {
        try (LanguageModel m = ModelLoader.load(synth("dsv3-tiny", GgmlType.F32), LoadOptions.defaults().withContextLength(4).withSlots(2).withPool(POOL))) {
            int vocab = m.vocabSize();
            float[] logits = new float[2 * vocab];
            TokenBatch b = new TokenBatch(8);
            b.add(5, 0, false);
            b.add(6, 1, true);
            m.forward(b, logits);
            assertThat(m.position(0)).isEqualTo(1);
            assertThat(m.position(1)).isEqualTo(1);
            assertThat(m.kvCacheBytes()).isEqualTo(2 * kvBytesOneSlot());

            b.clear();
            b.add(5, 2, true);
            assertThatThrownBy(() -> m.forward(b, logits)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot 2 is outside the model's 2 KV slot(s)");
            b.clear();
            b.add(5, 0, false);
            b.add(vocab, 1, true);
            assertThatThrownBy(() -> m.forward(b, logits)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id " + vocab);
            b.clear();
            b.add(1, 0, false);
            for (int i = 0; i < 4; i++) b.add(1, 1, i == 3);
            assertThatThrownBy(() -> m.forward(b, logits)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("4 tokens at position 1 of slot 1 need a context of 5");
            b.clear();
            b.add(1, 0, true);
            b.add(1, 1, true);
            assertThatThrownBy(() -> m.forward(b, new float[vocab])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logits array");
            assertThatThrownBy(() -> m.truncate(1, 2)).isInstanceOf(IllegalArgumentException.class);
            assertThat(m.position(0)).as("nothing ran").isEqualTo(1);
            assertThat(m.position(1)).isEqualTo(1);
            m.truncate(1, 0);
            assertThat(m.position(1)).isZero();
            assertThat(m.position()).isEqualTo(1);
        }
    }

    private static long kvBytesOneSlot() {
        try (LanguageModel m = ModelLoader.load(synth("dsv3-tiny", GgmlType.F32), LoadOptions.defaults().withContextLength(4).withPool(POOL))) {
            return m.kvCacheBytes();
        }
    }
}
