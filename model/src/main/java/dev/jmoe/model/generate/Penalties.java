package dev.jmoe.model.generate;

import java.util.Arrays;

/**
 * Repetition, frequency and presence penalties over the last {@code lastN} accepted tokens, with the semantics of
 * llama.cpp's {@code llama_sampler_penalties} (src/llama-sampling.cpp): for a token seen {@code count > 0} times in the
 * window, a positive logit is divided by {@code repeat} and a non-positive one multiplied by it (so the penalty always
 * lowers it), then {@code count·frequency + presence} is subtracted.
 */
public final class Penalties implements SamplerStage {

    private final int lastN;
    private final float repeat;
    private final float frequency;
    private final float presence;
    private final int[] counts;   // [vocab]: occurrences in the window
    private final int[] ring;     // [lastN]: the window, oldest at 'first'
    private int first;
    private int filled;

    /**
     * @param vocabSize ids accepted are in {@code [0, vocabSize)}
     * @param lastN     window length (0 disables the stage; negative is taken as 0, as llama.cpp does)
     */
    public Penalties(int vocabSize, int lastN, float repeat, float frequency, float presence) {
        this.lastN = Math.max(lastN, 0);
        this.repeat = repeat;
        this.frequency = frequency;
        this.presence = presence;
        this.counts = new int[vocabSize];
        this.ring = new int[Math.max(this.lastN, 1)];
    }

    @Override
    public void accept(int token) {
        if (lastN == 0) return;
        if (token < 0 || token >= counts.length) {
            throw new IllegalArgumentException("token id " + token + " outside the vocabulary [0, " + counts.length + ")");
        }
        counts[token]++;
        if (filled == lastN) {                       // window full: the oldest token leaves
            counts[ring[first]]--;
            ring[first] = token;
            first = (first + 1) % lastN;
        } else {
            ring[(first + filled) % lastN] = token;
            filled++;
        }
    }

    @Override
    public void apply(Candidates c) {
        if (lastN == 0 || (repeat == 1f && frequency == 0f && presence == 0f)) return;
        for (int i = 0; i < c.size; i++) {
            int count = counts[c.ids[i]];
            if (count == 0) continue;
            float l = c.logits[i];
            l = l <= 0 ? l * repeat : l / repeat;
            c.logits[i] = l - ((float) count * frequency + presence);
        }
        c.sorted = false;
    }

    @Override
    public void reset() {
        Arrays.fill(counts, 0);
        first = 0;
        filled = 0;
    }

    /** Occurrences of {@code token} in the window (for tests and reports). */
    public int count(int token) {
        return counts[token];
    }
}
