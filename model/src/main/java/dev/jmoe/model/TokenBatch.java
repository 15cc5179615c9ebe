package dev.jmoe.model;

import java.util.Arrays;

/**
 * The tokens of one forward step over several sequences ({@link LanguageModel#forward(TokenBatch, float[])}): each
 * token names its KV slot and whether its logits are wanted. A token goes to its slot's next position, so the tokens of
 * one slot appear in order (a prefill chunk, or one decode token). Reusable: {@link #clear()} and refill each step;
 * nothing is allocated after construction.
 */
public final class TokenBatch {
    private final int[] token, slot;
    private final boolean[] logits;
    private int size, logitsCount;

    public TokenBatch(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("batch capacity must be >= 1, got " + capacity);
        token = new int[capacity];
        slot = new int[capacity];
        logits = new boolean[capacity];
    }

    public void clear() {
        size = 0;
        logitsCount = 0;
    }

    /** Appends a token for {@code slot}'s next position; with {@code wantLogits} its next-token logits are written. */
    public void add(int token, int slot, boolean wantLogits) {
        if (size == this.token.length) throw new IllegalStateException("batch is full (" + size + " tokens)");
        this.token[size] = token;
        this.slot[size] = slot;
        this.logits[size] = wantLogits;
        size++;
        if (wantLogits) logitsCount++;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return token.length;
    }

    public int token(int i) {
        return token[check(i)];
    }

    public int slot(int i) {
        return slot[check(i)];
    }

    public boolean wantsLogits(int i) {
        return logits[check(i)];
    }

    /** Tokens whose logits are wanted: the rows {@code forward} writes. */
    public int logitsCount() {
        return logitsCount;
    }

    private int check(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("token " + i + " of a batch of " + size);
        return i;
    }

    @Override
    public String toString() {
        return "TokenBatch" + Arrays.toString(Arrays.copyOf(token, size)) + " slots " + Arrays.toString(Arrays.copyOf(slot, size));
    }
}
