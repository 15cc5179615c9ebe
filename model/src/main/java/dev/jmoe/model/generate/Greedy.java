package dev.jmoe.model.generate;

/** The highest logit; on an exact tie the lowest token id, as the llama.cpp goldens were recorded. */
public final class Greedy implements TokenPicker {

    @Override
    public int pick(Candidates c) {
        int best = 0;
        for (int i = 1; i < c.size; i++) {
            float l = c.logits[i];
            float b = c.logits[best];
            if (l > b || (l == b && c.ids[i] < c.ids[best])) best = i;
        }
        return c.ids[best];
    }
}
