package dev.jmoe.model;

/**
 * The tokens of one {@link LanguageModel#forward(TokenBatch, float[])} step over several sequences (KV slots): token i
 * goes to {@link #slot(int) slot(i)} at that slot's next position, tokens of one slot in the order they were added (a
 * prefill chunk and/or one decode token per slot). A server's scheduler fills one per step; the arrays are sized once
 * for {@code capacity} tokens and reused ({@link #clear()}), nothing is allocated afterwards.
 *
 * <p>{@link #add} checks only the capacity: token ids, slots and context room are checked by the model, all before
 * any compute.
 */
public final class TokenBatch {
    private final int[] tokens; // [capacity]
    private final int[] slots;  // [capacity]
    private final boolean[] wantLogits; // [capacity]
    private int size, logitsCount;

    public TokenBatch(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("token batch capacity must be >= 1, got " + capacity);
        tokens = new int[capacity];
        slots = new int[capacity];
        wantLogits = new boolean[capacity];
    }

    /** Empties the batch for the next step. */
    public void clear() {
        size = 0;
        logitsCount = 0;
    }

    /**
     * Appends {@code token} at {@code slot}'s next position; with {@code wantLogits} the step writes the logits after
     * it (the next-token distribution) at index {@code k * vocab} of the logits array, k counting such tokens in order.
     *
     * @throws IllegalStateException when the batch already holds {@link #capacity()} tokens
     */
    public void add(int token, int slot, boolean wantLogits) {
        if (size == tokens.length) throw new IllegalStateException("token batch is full (capacity " + tokens.length + ")");
        tokens[size] = token;
        slots[size] = slot;
        this.wantLogits[size] = wantLogits;
        size++;
        if (wantLogits) logitsCount++;
    }

    public int capacity() {
        return tokens.length;
    }

    public int size() {
        return size;
    }

    public int token(int i) {
        return tokens[check(i)];
    }

    public int slot(int i) {
        return slots[check(i)];
    }

    public boolean wantsLogits(int i) {
        return wantLogits[check(i)];
    }

    /** Number of tokens added with {@code wantLogits}: the step writes {@code logitsCount() * vocab} logits. */
    public int logitsCount() {
        return logitsCount;
    }

    /** The token ids, valid in {@code [0, size())}: handed to the layers without a copy. */
    int[] tokenArray() {
        return tokens;
    }

    private int check(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("token " + i + " of a batch of " + size);
        return i;
    }
}
