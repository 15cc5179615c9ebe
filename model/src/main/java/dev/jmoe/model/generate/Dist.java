package dev.jmoe.model.generate;

/**
 * Draws a token from the softmax of the remaining candidates with a seeded {@link Mt19937}, as llama.cpp's
 * {@code llama_sampler_dist}: float exp(l − max) per candidate, a double running sum in the current candidate order,
 * the first candidate whose running sum reaches {@code u · total} for u uniform in [0, 1).
 */
public final class Dist implements TokenPicker {

    private final long seed;
    private final Mt19937 rng;

    public Dist(long seed) {
        this.seed = seed;
        this.rng = new Mt19937(seed);
    }

    public long seed() {
        return seed;
    }

    @Override
    public int pick(Candidates c) {
        if (c.size == 1) {
            c.probs[0] = 1f;
            return c.ids[0];
        }
        float max = c.logits[0];
        if (!c.sorted) {
            for (int i = 1; i < c.size; i++) max = Math.max(max, c.logits[i]);
        }
        double total = 0;
        for (int i = 0; i < c.size; i++) {
            float p = (float) Math.exp(c.logits[i] - max);
            c.probs[i] = p;
            total += p;
        }
        double target = total * rng.nextCanonical();
        double run = 0;
        int selected = c.size - 1;                 // only reached through rounding: the last candidate
        for (int i = 0; i < c.size; i++) {
            run += c.probs[i];
            if (run >= target) {
                selected = i;
                break;
            }
        }
        for (int i = 0; i < c.size; i++) c.probs[i] = (float) (c.probs[i] / total);
        return c.ids[selected];
    }

    @Override
    public void reset() {
        rng.seed(seed);
    }
}
