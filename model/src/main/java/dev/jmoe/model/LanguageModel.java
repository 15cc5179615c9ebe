package dev.jmoe.model;

/**
 * A loaded model with its own KV cache for one sequence: feed tokens at consecutive positions, get next-token logits.
 * The contract between the forward passes (one class per architecture) and generation, benchmarking and serving.
 *
 * <p>Not thread-safe: one caller drives it. Implementations allocate their buffers at load time (sized for
 * {@link #contextLength()} and the largest batch) and nothing per token.
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

    /** Bytes of KV cache allocated. */
    long kvCacheBytes();

    @Override
    void close();
}
