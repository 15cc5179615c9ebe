package dev.jmoe.model.generate;

/**
 * Divides logits by the temperature ({@code llama_sampler_temp}). A temperature ≤ 0 leaves only the first maximal
 * logit finite (the others become −∞), which makes any later picker greedy.
 */
public final class Temperature implements SamplerStage {

    private final float temperature;

    public Temperature(float temperature) {
        this.temperature = temperature;
    }

    @Override
    public void apply(Candidates c) {
        if (temperature <= 0f) {
            int best = 0;
            for (int i = 1; i < c.size; i++) {
                if (c.logits[i] > c.logits[best]) {
                    c.logits[best] = Float.NEGATIVE_INFINITY;
                    best = i;
                } else {
                    c.logits[i] = Float.NEGATIVE_INFINITY;
                }
            }
            return;
        }
        for (int i = 0; i < c.size; i++) c.logits[i] /= temperature;
    }
}
