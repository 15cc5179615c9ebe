package dev.jmoe.model.generate;

/**
 * Min-p ({@code llama_sampler_min_p}): keeps the tokens whose probability is at least {@code p} times the most likely
 * one's, i.e. logit ≥ max + ln(p), keeping their order; p ≤ 0 disables it. When fewer than {@code minKeep} pass, it
 * keeps the best {@code minKeep}.
 */
public final class MinP implements SamplerStage {

    private final float p;
    private final int minKeep;

    public MinP(float p, int minKeep) {
        this.p = p;
        this.minKeep = minKeep;
    }

    @Override
    public void apply(Candidates c) {
        if (p <= 0f || c.size == 0) return;
        float lnP = (float) Math.log(p);
        if (!c.sorted) {
            float max = -Float.MAX_VALUE;
            for (int i = 0; i < c.size; i++) max = Math.max(max, c.logits[i]);
            float min = max + lnP;
            int kept = 0;
            for (int i = 0; i < c.size; i++) if (c.logits[i] >= min) kept++;
            if (kept > 0 && kept >= minKeep) {
                int w = 0;                                  // stable in-place filter
                for (int i = 0; i < c.size; i++) {
                    if (c.logits[i] >= min) {
                        c.ids[w] = c.ids[i];
                        c.logits[w] = c.logits[i];
                        c.probs[w] = c.probs[i];
                        w++;
                    }
                }
                c.size = w;
                return;
            }
            CandidateOrder.sortTop(c, c.size);
        }
        float min = c.logits[0] + lnP;
        int i = 1;                                          // the best token always stays
        for (; i < c.size; i++) {
            if (c.logits[i] < min && i >= minKeep) break;
        }
        c.size = i;
    }
}
