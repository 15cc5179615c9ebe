package dev.jmoe.cli;

import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.ModelInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A test double for the loader and tokenizer. Its model's logits after token t at position p fall off with the
 * circular distance from {@code next(t, p) = (3t + p + 1) mod vocab} (0.7 per step), so greedy output is computable by
 * hand and sampling has spread. Its tokenizer maps id i to the letter 'a' + i.
 */
final class FakeBackend implements Backend {

    static final int VOCAB = 16;

    final List<LoadRequest> loads = new ArrayList<>();
    int forwards;
    boolean withTokenizer;
    int[] eog = new int[0];

    static int next(int token, int position) {
        return (3 * token + position + 1) % VOCAB;
    }

    static int[] greedy(int[] prompt, int n) {
        int[] out = new int[n];
        int last = prompt[prompt.length - 1];
        for (int i = 0; i < n; i++) {
            last = next(last, prompt.length - 1 + i);
            out[i] = last;
        }
        return out;
    }

    @Override
    public LanguageModel load(LoadRequest r) {
        loads.add(r);
        return new Model(r.contextLength());
    }

    @Override
    public Optional<TextCodec> textCodec(Path file) {
        if (!withTokenizer) return Optional.empty();
        return Optional.of(new TextCodec(
                text -> text.chars().map(c -> c - 'a').toArray(),
                id -> new byte[]{(byte) ('a' + id)},
                eog));
    }

    @Override
    public int[] endOfGeneration(Path file) {
        return eog;
    }

    final class Model implements LanguageModel {
        private final int ctx;
        private int position;

        Model(int ctx) {
            this.ctx = ctx;
        }

        @Override
        public ModelInfo info() {
            return new ModelInfo("deepseek2", "fake", "Q8_0", 2_726_960, 3_000_000, 1_000_000);
        }

        @Override
        public int vocabSize() {
            return VOCAB;
        }

        @Override
        public int contextLength() {
            return ctx;
        }

        @Override
        public int position() {
            return position;
        }

        @Override
        public void forward(int[] tokens, int from, int count, float[] logits, float[] allLogits) {
            if (position + count > ctx) throw new IllegalArgumentException("does not fit");
            forwards++;
            position += count;
            if (logits != null) {
                int peak = next(tokens[from + count - 1], position - 1);
                for (int j = 0; j < VOCAB; j++) {
                    int d = Math.abs(j - peak);
                    logits[j] = -0.7f * Math.min(d, VOCAB - d);
                }
            }
        }

        @Override
        public void truncate(int pos) {
            position = Math.min(position, pos);
        }

        @Override
        public long kvCacheBytes() {
            return 64L * ctx;
        }

        @Override
        public void close() {}
    }

    static String ids(int[] a) {
        return String.join(",", Arrays.stream(a).mapToObj(Integer::toString).toList());
    }
}
