package dev.jmoe.model;

/**
 * A loaded model with its own KV cache: feed tokens at consecutive positions, get next-token logits. The contract
 * between the forward passes (one class per architecture) and generation, benchmarking and serving.
 *
 * <p>The cache holds {@link #slots()} independent sequences (KV slots, {@link LoadOptions#slots()}), each of
 * {@link #contextLength()} positions. The single-sequence methods ({@link #position()}, {@link #truncate(int)},
 * {@link #forward(int[], int, int, float[], float[])}) work on slot 0; {@link #forward(TokenBatch, float[])} runs
 * tokens of several slots in one pass, each weight read once for all of them (continuous batching). A sequence's
 * logits do not depend on what else is in the batch: every per-token computation keeps its own order.
 *
 * <p>Not thread-safe: one caller drives it. Implementations allocate their buffers at load time (sized for
 * {@link #contextLength()}, the slots and the largest batch) and nothing per token.
 */
public interface LanguageModel extends AutoCloseable {

    /** Architecture and sizes as read from the file. */
    ModelInfo info();

    int vocabSize();

    /** Positions the KV cache holds (the {@code --ctx} the model was loaded with). */
    int contextLength();

    /** Positions already in the cache: the next token goes to this position. */
    int position();

    /**
     * Runs {@code count} tokens {@code tokens[from ..]} at positions {@link #position()}.. as one batch (prefill) and
     * appends them to the cache. When {@code logits != null} writes the logits after the last token into
     * {@code logits[0 .. vocabSize)}. When {@code allLogits != null} writes every position's logits,
     * {@code allLogits[i*vocab ..]} for token i of the batch (teacher forcing, tests).
     *
     * @throws IllegalArgumentException if the tokens would not fit in the context (before any compute)
     */
    void forward(int[] tokens, int from, int count, float[] logits, float[] allLogits);

    /** Forgets cached positions from {@code position} on (0 = a fresh sequence). */
    void truncate(int position);

    /** Independent sequences the KV cache holds. */
    default int slots() {
        return 1;
    }

    /** Positions already in {@code slot}'s cache: its next token goes to this position. */
    default int position(int slot) {
        checkSlot(slot);
        return position();
    }

    /** Forgets {@code slot}'s cached positions from {@code position} on ({@code truncate(slot, 0)} frees the slot). */
    default void truncate(int slot, int position) {
        checkSlot(slot);
        truncate(position);
    }

    /**
     * One step over several sequences: token i goes to slot {@code batch.slot(i)} at that slot's next position. The
     * logits of the k-th token that wants them are written to {@code logits[k*vocab ..]}. Everything is checked
     * before any compute (token ids, slots, each slot's context, the logits array); a batch larger than the model's
     * micro-batch is run in several passes.
     *
     * <p>This default serves models with one slot, one token span at a time; the forward passes override it.
     *
     * @throws IllegalArgumentException on a bad token, slot, context overflow or short logits array, before any compute
     */
    default void forward(TokenBatch batch, float[] logits) {
        int n = batch.size(), vocab = vocabSize();
        if (n == 0) throw new IllegalArgumentException("no tokens to run (empty batch)");
        for (int i = 0; i < n; i++) {
            checkSlot(batch.slot(i));
            if (batch.token(i) < 0 || batch.token(i) >= vocab) throw new IllegalArgumentException("token id " + batch.token(i) + " at index " + i + " is outside the vocabulary of " + vocab);
        }
        if (position() + n > contextLength()) {
            throw new IllegalArgumentException(n + " tokens at position " + position() + " need a context of " + (position() + n) + ", the model was loaded with " + contextLength());
        }
        if (batch.logitsCount() > 0 && (logits == null || logits.length < (long) batch.logitsCount() * vocab)) {
            throw new IllegalArgumentException("logits array holds " + (logits == null ? 0 : logits.length) + " < " + batch.logitsCount() + " x " + vocab);
        }
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = batch.token(i);
        float[] row = batch.logitsCount() > 0 ? new float[vocab] : null;
        int from = 0, k = 0;
        for (int i = 0; i < n; i++) {
            if (!batch.wantsLogits(i) && i < n - 1) continue;
            boolean want = batch.wantsLogits(i);
            forward(ids, from, i + 1 - from, want ? row : null, null);
            if (want) System.arraycopy(row, 0, logits, vocab * k++, vocab);
            from = i + 1;
        }
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= slots()) throw new IllegalArgumentException("slot " + slot + " is outside the model's " + slots() + " KV slot(s)");
    }

    /** Bytes of KV cache allocated (all slots). */
    long kvCacheBytes();

    @Override
    void close();
}
