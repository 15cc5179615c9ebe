package dev.jmoe.model.generate;

import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.ModelInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * A deterministic test double of {@link LanguageModel}: after token t at position p the logits peak at
 * {@code next(t, p) = (3t + p + 1) mod vocab} (logit 10, the others 0), so greedy output is computable by hand.
 * Records every forward call.
 */
final class FakeModel implements LanguageModel {

    record Call(int position, int count, boolean wantsLogits) {}

    final int vocab;
    final int ctx;
    final List<Call> calls = new ArrayList<>();
    final List<Integer> truncations = new ArrayList<>();
    private int position;
    /** Time each forward call takes (a bench's warmup repeats calls for a given time). */
    long forwardNanos;

    FakeModel(int vocab, int ctx) {
        this.vocab = vocab;
        this.ctx = ctx;
    }

    static int next(int token, int position, int vocab) {
        return (3 * token + position + 1) % vocab;
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo("fake", "fake", "F32", 1000, 4000, 4000);
    }

    @Override
    public int vocabSize() {
        return vocab;
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
        calls.add(new Call(position, count, logits != null));
        if (forwardNanos > 0) java.util.concurrent.locks.LockSupport.parkNanos(forwardNanos);
        int last = tokens[from + count - 1];
        position += count;
        if (logits != null) {
            java.util.Arrays.fill(logits, 0, vocab, 0f);
            logits[next(last, position - 1, vocab)] = 10f;
        }
    }

    @Override
    public void truncate(int pos) {
        truncations.add(pos);
        position = Math.min(position, pos);
    }

    @Override
    public long kvCacheBytes() {
        return 12345;
    }

    @Override
    public void close() {}
}
