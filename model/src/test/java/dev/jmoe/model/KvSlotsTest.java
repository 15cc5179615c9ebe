package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.model.synth.Shapes;
import dev.jmoe.model.synth.Synthesizer;
import dev.jmoe.tensor.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several sequences in one forward pass ({@link LanguageModel#forward(TokenBatch, float[])} over KV slots), held to
 * batch invariance: every sequence's logits must be bit for bit those of running it alone through the
 * single-sequence API — with sequences joining and finishing at different steps, prefill chunks beside decode
 * tokens, tokens of different slots interleaved, batches split into micro-batches, a slot rewound (truncate to the
 * prompt after junk tokens) and slots freed and reused by later sequences.
 */
class KvSlotsTest {
    private static final Parallel POOL = new Parallel(2); // two workers: heads and rows split as in production

    @TempDir
    static Path tmp;

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    /** A synthesized model (seed 1234), written once per test class: needs no shared/. */
    static Path synth(String shape, GgmlType type) throws Exception {
        Path p = tmp.resolve(shape + "-" + type + ".gguf");
        if (!Files.exists(p)) Synthesizer.write(shape.equals("dsv3-tiny-rope32") ? Q8CacheTest.mlaShape() : Shapes.spec(shape, null), type, 1234, false, p, Synthesizer.Progress.NONE);
        return p;
    }

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("dsv3-tiny", "F32", CacheType.F32),
                Arguments.of("dsv3-tiny", "F32", CacheType.F16),
                Arguments.of("dsv3-tiny", "Q8_0", CacheType.F32),
                Arguments.of("mixtral-tiny", "F32", CacheType.F32),
                Arguments.of("mixtral-tiny", "F32", CacheType.Q8_0),
                Arguments.of("dsv3-tiny-rope32", "F32", CacheType.Q8_0),
                Arguments.of("llama-tiny", "Q4_0", CacheType.F32),
                Arguments.of("llama-tiny", "F32", CacheType.F16),
                Arguments.of("llama-tiny", "F32", CacheType.Q8_0),
                Arguments.of("shared:dsv3-tiny-F32.gguf", "", CacheType.F32),
                Arguments.of("shared:dsv3-tiny-Q8_0.gguf", "", CacheType.F32),
                Arguments.of("shared:dsv3-tiny-Q4_0.gguf", "", CacheType.F32),
                Arguments.of("shared:stories260K.gguf", "", CacheType.F32));
    }

    static Path model(String shape, String type) throws Exception {
        return shape.startsWith("shared:") ? SharedModels.require(shape.substring(7)) : synth(shape, GgmlType.byName(type).orElseThrow());
    }

    /**
     * One sequence of the schedule: {@code tokens[0 .. prompt)} prefilled in chunks of {@code chunk}, then the rest one
     * decode token per step; it asks a slot from step {@code join}. With {@code rewind}, 3 junk tokens follow the
     * prompt and the next step truncates them away (the junk must leave no trace).
     */
    record Seq(int[] tokens, int prompt, int chunk, int join, boolean rewind) {
        boolean wants(int i) {
            return i >= prompt - 1 || i % 3 == 0; // the prompt's last token, every decode token, and a few others
        }
    }

    static int[] ids(int n, int seed, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = 3 + (int) (((seed + 1) * 7919L + i * 2654435761L) % (vocab - 3));
        return t;
    }

    /** 10 sequences over 4 slots: prompts of 1–21 tokens, chunks of 1–16, 2–7 decode tokens, joins at steps 0–6. */
    static List<Seq> schedule(int vocab) {
        int[][] spec = { // prompt, chunk, decode, join
                {5, 16, 4, 0}, {21, 4, 3, 0}, {1, 1, 6, 0}, {12, 5, 2, 1}, {8, 8, 7, 2},
                {3, 2, 5, 2}, {17, 6, 4, 3}, {2, 16, 3, 4}, {9, 3, 5, 5}, {6, 6, 2, 6}};
        List<Seq> r = new ArrayList<>();
        for (int s = 0; s < spec.length; s++) {
            r.add(new Seq(ids(spec[s][0] + spec[s][2], s, vocab), spec[s][0], spec[s][1], spec[s][3], s == 1 || s == 6));
        }
        return r;
    }

    /** Each sequence alone through the single-sequence API, all positions' logits [tokens, vocab]. */
    static float[][] alone(Path model, LoadOptions opt, List<Seq> seqs) {
        float[][] ref = new float[seqs.size()][];
        try (LanguageModel m = ModelLoader.load(model, opt)) {
            for (int s = 0; s < seqs.size(); s++) {
                int[] t = seqs.get(s).tokens();
                ref[s] = new float[t.length * m.vocabSize()];
                m.truncate(0);
                m.forward(t, 0, t.length, null, ref[s]);
            }
        }
        return ref;
    }

    /**
     * Runs the schedule over {@code slots} KV slots, one {@link TokenBatch} per step; odd steps interleave the slots'
     * tokens round-robin, even steps add each sequence's tokens together. Returns each sequence's logits at the
     * positions it wanted (other rows stay 0).
     */
    static float[][] together(LanguageModel m, List<Seq> seqs) {
        int nv = m.vocabSize(), slots = m.slots();
        float[][] got = new float[seqs.size()][];
        int[] fed = new int[seqs.size()], slotOf = new int[seqs.size()], seqIn = new int[slots];
        boolean[] junked = new boolean[seqs.size()];
        java.util.Arrays.fill(slotOf, -1);
        java.util.Arrays.fill(seqIn, -1);
        TokenBatch batch = new TokenBatch(64);
        float[] logits = new float[64 * nv];
        int finished = 0;
        int[][] stepTokens = new int[seqs.size()][]; // this step's token indices per sequence (-1: junk)
        for (int step = 0; finished < seqs.size(); step++) {
            assertThat(step).as("schedule must finish").isLessThan(100);
            for (int s = 0; s < seqs.size(); s++) { // admit waiting sequences into free slots
                if (slotOf[s] >= 0 || fed[s] > 0 || got[s] != null || seqs.get(s).join() > step) continue;
                for (int sl = 0; sl < slots; sl++) {
                    if (seqIn[sl] >= 0) continue;
                    m.truncate(sl, 0); // free it (it may hold a finished sequence)
                    assertThat(m.position(sl)).isZero();
                    seqIn[sl] = s;
                    slotOf[s] = sl;
                    got[s] = new float[seqs.get(s).tokens().length * nv];
                    break;
                }
            }
            batch.clear();
            int most = 0;
            for (int s = 0; s < seqs.size(); s++) {
                stepTokens[s] = null;
                if (slotOf[s] < 0) continue;
                Seq q = seqs.get(s);
                if (q.rewind() && fed[s] == q.prompt() && !junked[s] && m.position(slotOf[s]) == q.prompt()) {
                    stepTokens[s] = new int[] {-1, -1, -1};
                    junked[s] = true;
                } else {
                    if (q.rewind() && junked[s] && m.position(slotOf[s]) > fed[s]) {
                        m.truncate(slotOf[s], fed[s]);
                        assertThat(m.position(slotOf[s])).isEqualTo(fed[s]);
                    }
                    int n = fed[s] < q.prompt() ? Math.min(q.chunk(), q.prompt() - fed[s]) : 1;
                    stepTokens[s] = new int[n];
                    for (int j = 0; j < n; j++) stepTokens[s][j] = fed[s] + j;
                }
                most = Math.max(most, stepTokens[s].length);
            }
            // the batch: per sequence (even steps) or round-robin over the sequences (odd steps)
            List<int[]> order = new ArrayList<>(); // {sequence, token index or -1}
            if (step % 2 == 0) {
                for (int s = 0; s < seqs.size(); s++) if (stepTokens[s] != null) for (int i : stepTokens[s]) order.add(new int[] {s, i});
            } else {
                for (int j = 0; j < most; j++) for (int s = seqs.size() - 1; s >= 0; s--) if (stepTokens[s] != null && j < stepTokens[s].length) order.add(new int[] {s, stepTokens[s][j]});
            }
            for (int[] o : order) {
                Seq q = seqs.get(o[0]);
                if (o[1] < 0) batch.add(5 + step, slotOf[o[0]], true);
                else batch.add(q.tokens()[o[1]], slotOf[o[0]], q.wants(o[1]));
            }
            if (batch.size() == 0) continue;
            int[] before = new int[slots];
            for (int sl = 0; sl < slots; sl++) before[sl] = m.position(sl);
            m.forward(batch, logits);
            int k = 0;
            for (int i = 0; i < batch.size(); i++) {
                int s = seqIn[batch.slot(i)];
                int idx = order.get(i)[1];
                if (batch.wantsLogits(i)) {
                    if (idx >= 0) System.arraycopy(logits, k * nv, got[s], idx * nv, nv);
                    k++;
                }
            }
            assertThat(k).isEqualTo(batch.logitsCount());
            for (int s = 0; s < seqs.size(); s++) {
                if (stepTokens[s] == null) continue;
                int sl = slotOf[s];
                assertThat(m.position(sl)).as("slot " + sl + " position").isEqualTo(before[sl] + stepTokens[s].length);
                if (stepTokens[s][0] >= 0) fed[s] += stepTokens[s].length;
                if (fed[s] == seqs.get(s).tokens().length) { // finished: the slot is free for the next sequence
                    seqIn[sl] = -1;
                    slotOf[s] = -1;
                    finished++;
                }
            }
        }
        return got;
    }

    /** Index of the first row (wanted by the sequence) whose logits differ in any bit from the reference, or -1. */
    static int firstDifferentRow(Seq q, float[] got, float[] ref, int nv) {
        for (int i = 0; i < q.tokens().length; i++) {
            if (!q.wants(i)) continue;
            for (int j = 0; j < nv; j++) {
                if (Float.floatToRawIntBits(got[i * nv + j]) != Float.floatToRawIntBits(ref[i * nv + j])) return i;
            }
        }
        return -1;
    }

    @ParameterizedTest(name = "{0} {1} cache {2}")
    @MethodSource("models")
    void eachSequenceMatchesRunningItAloneBitForBit(String shape, String type, CacheType cache) throws Exception {
        Path model = model(shape, type);
        // GGML order: a token's bits do not depend on its batch (FAST order's 4-token tiles round differently)
        LoadOptions opt = LoadOptions.defaults().withContextLength(32).withPool(POOL).withCacheType(cache).withDotOrder(dev.jmoe.tensor.DotOrder.GGML);
        List<Seq> seqs;
        float[][] got;
        try (LanguageModel m = ModelLoader.load(model, opt.withSlots(4).withMaxBatch(8))) { // steps of up to 40 tokens: split
            assertThat(m.slots()).isEqualTo(4);
            seqs = schedule(m.vocabSize());
            got = together(m, seqs);
        }
        float[][] ref = alone(model, opt.withMaxBatch(32), seqs);
        int nv = ref[0].length / seqs.get(0).tokens().length;
        for (int s = 0; s < seqs.size(); s++) {
            assertThat(firstDifferentRow(seqs.get(s), got[s], ref[s], nv)).as(shape + " " + type + " sequence " + s + ": first row not bit-identical to running it alone").isEqualTo(-1);
        }
    }
}
