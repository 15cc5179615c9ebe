package dev.jmoe.model.generate;

import java.util.Arrays;

/**
 * The tokens a KV cache (or one slot of it) holds, in position order, as the code that forwarded them recorded them:
 * what a new prompt may reuse instead of prefilling ({@link Generator} with {@code reusePrefix}, the server's slots).
 */
public final class HeldTokens {
    private int[] tokens = new int[64];
    private int length;

    /** Tokens held: the cache's positions 0..length−1. */
    public int length() {
        return length;
    }

    /**
     * How many of the prompt's first tokens are held already, less one where that is all of them (the last prompt token
     * is forwarded again for its logits); 0 when {@code position}, the cache's own count, differs from {@link #length}
     * (someone else changed the cache, or a forward pass failed half way).
     */
    public int reusable(int[] prompt, int position) {
        if (position != length) return 0;
        int n = Math.min(length, prompt.length - 1), i = 0;
        while (i < n && tokens[i] == prompt[i]) i++;
        return i;
    }

    /** Keeps the first {@code n} tokens (the cache was cut back to n positions). */
    public void truncate(int n) {
        length = n;
    }

    /** Notes that {@code token} now sits at the next position. */
    public void add(int token) {
        if (length == tokens.length) tokens = Arrays.copyOf(tokens, 2 * length);
        tokens[length++] = token;
    }

    /** Notes that {@code t[from, from + n)} now sit at the next positions. */
    public void add(int[] t, int from, int n) {
        if (length + n > tokens.length) tokens = Arrays.copyOf(tokens, Math.max(2 * tokens.length, length + n));
        System.arraycopy(t, from, tokens, length, n);
        length += n;
    }
}
