package dev.jmoe.model;

/**
 * A loaded model with its own KV cache: feed tokens at consecutive positions, get next-token logits. The cache has
 * {@link #slots()} independent regions (KV slots), one sequence each, so a server can run several sequences in one
 * forward pass ({@link #forward(TokenBatch, float[])}: continuous batching); the single-sequence methods work on
 * slot 0. The contract between the forward passes (one class per architecture) and generation, benchmarking and
 * serving.
 *
 * <p>Not thread-safe: one caller drives it. Implementations allocate their buffers at load time (sized for
 * {@link #contextLength()} per slot and the largest batch) and nothing per token.
 */
public interface LanguageModel extends AutoCloseable {

    /** Architecture and sizes as read from the file. */
    ModelInfo info();

    int vocabSize();

    /** Positions the KV cache holds per slot (the {@code --ctx} the model was loaded with). */
    int contextLength();

    /** Positions already in slot 0 of the cache: the next token goes to this position ({@code position(0)}). */
    int position();

    /** KV slots: independent sequences the cache holds ({@link LoadOptions#slots()}). A plain model has one. */
    default int slots() {
        return 1;
    }

    /** Positions already in {@code slot}: its next token goes to this position. */
    default int position(int slot) {
        if (slot != 0) throw new IllegalArgumentException("slot " + slot + " is outside the model's 1 slot");
        return position();
    }

    /** Forgets {@code slot}'s cached positions from {@code position} on; {@code truncate(slot, 0)} frees the slot. */
    default void truncate(int slot, int position) {
        if (slot != 0) throw new IllegalArgumentException("slot " + slot + " is outside the model's 1 slot");
        truncate(position);
    }

    /**
     * Runs {@code count} tokens {@code tokens[from ..]} at positions {@link #position()}.. as one batch (prefill) and
     * appends them to the cache. When {@code logits != null} writes the logits after the last token into
     * {@code logits[0 .. vocabSize)}. When {@code allLogits != null} writes every position's logits,
     * {@code allLogits[i*vocab ..]} for token i of the batch (teacher forcing, tests).
     *
     * @throws IllegalArgumentException if the tokens would not fit in the context (before any compute)
     */
    void forward(int[] tokens, int from, int count, float[] logits, float[] allLogits);

    /** Forgets slot 0's cached positions from {@code position} on (0 = a fresh sequence). */
    void truncate(int position);

    /**
     * One step over several sequences: token i goes to slot(i) at that slot's next position (tokens of one slot in
     * order, i.e. a prefill chunk and/or one decode token per slot). Writes logits of the k-th token with wantLogits
     * into {@code logits[k*vocab ..]}. Validates everything (ids, slots, per-slot context overflow, logits size) before
     * any compute. Batches larger than maxBatch are split into micro-batches internally. An empty batch does nothing.
     *
     * <p>A sequence's logits do not depend on the other sequences of the batch: they are bit for bit those of running
     * it alone (through this method or the single-sequence {@link #forward(int[], int, int, float[], float[])}).
     *
     * <p>The default serves single-slot implementations (test doubles) through the single-sequence method, one run per
     * token that wants logits; it allocates a logits row per call.
     *
     * @param logits {@code [batch.logitsCount(), vocab]}; may be null when no token wants logits
     * @throws IllegalArgumentException bad token id or slot, a slot's context would overflow, logits too small (before
     *                                  any compute: positions unchanged)
     */
    default void forward(TokenBatch batch, float[] logits) {
        int n = batch.size(), nv = vocabSize();
        for (int i = 0; i < n; i++) {
            if (batch.slot(i) != 0) throw new IllegalArgumentException("token " + i + " of the batch names slot " + batch.slot(i) + ", this model has only slot 0");
            if (batch.token(i) < 0 || batch.token(i) >= nv) throw new IllegalArgumentException("token id " + batch.token(i) + " at index " + i + " is outside the vocabulary of " + nv);
        }
        if (position() + n > contextLength()) throw new IllegalArgumentException(n + " tokens at position " + position() + " of slot 0 need a context of " + (position() + n) + ", the model was loaded with " + contextLength());
        if (batch.logitsCount() > 0 && (logits == null || logits.length < (long) batch.logitsCount() * nv)) {
            throw new IllegalArgumentException("logits array holds " + (logits == null ? 0 : logits.length) + " < " + batch.logitsCount() + " x " + nv);
        }
        float[] row = batch.logitsCount() > 0 ? new float[nv] : null;
        int from = 0, k = 0;
        for (int i = 0; i < n; i++) {
            if (!batch.wantsLogits(i) && i < n - 1) continue;
            forward(batch.tokenArray(), from, i + 1 - from, batch.wantsLogits(i) ? row : null, null);
            if (batch.wantsLogits(i)) System.arraycopy(row, 0, logits, nv * k++, nv);
            from = i + 1;
        }
    }

    /** Bytes of KV cache allocated. */
    long kvCacheBytes();

    @Override
    void close();
}
