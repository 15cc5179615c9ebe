package dev.jmoe.model.generate;

/**
 * Nucleus sampling ({@code llama_sampler_top_p}): softmax over the candidates, then keeps the shortest best-first
 * prefix whose probability mass reaches {@code p} (and at least {@code minKeep} tokens); p ≥ 1 disables it.
 */
public final class TopP implements SamplerStage {

    private final float p;
    private final int minKeep;

    public TopP(float p, int minKeep) {
        this.p = p;
        this.minKeep = minKeep;
    }

    @Override
    public void apply(Candidates c) {
        if (p >= 1f) return;
        // probabilities exactly as llama.cpp forms them: max and float sum over the current (pre-sort) order
        float max = c.logits[0];
        for (int i = 1; i < c.size; i++) max = Math.max(max, c.logits[i]);
        float sum = 0f;
        for (int i = 0; i < c.size; i++) sum += (float) Math.exp(c.logits[i] - max);
        if (!c.sorted && c.size > 1024) {
            // llama.cpp tries the best 256, then sorts everything; widening 4x at a time is cheaper and keeps the same set
            for (int k = 256; k <= c.size / 4; k *= 4) {
                if (tryTop(c, max, sum, k)) return;
            }
        }
        if (!c.sorted) CandidateOrder.sortTop(c, c.size);
        float cum = 0f;
        int last = c.size;
        for (int i = 0; i < c.size; i++) {
            float pi = (float) Math.exp(c.logits[i] - max) / sum;
            c.probs[i] = pi;
            cum += pi;
            if (cum >= p && i + 1 >= minKeep) {
                last = i + 1;
                break;
            }
        }
        c.size = last;
    }

    /**
     * The shortcut for large unsorted vocabularies: select only the best {@code k} first; when they already reach
     * {@code p}, the kept prefix is the same as after a full sort. Returns false (candidates untouched) otherwise.
     */
    private boolean tryTop(Candidates c, float max, float sum, int k) {
        CandidateOrder.pack(c);
        CandidateOrder.top(c.keys, c.size, k);
        float cum = 0f;
        for (int i = 0; i < k; i++) {
            cum += (float) Math.exp(CandidateOrder.logitOf(c.keys[i]) - max) / sum;
            if (cum >= p && i + 1 >= minKeep) {
                CandidateOrder.unpack(c, i + 1);
                for (int j = 0; j <= i; j++) c.probs[j] = (float) Math.exp(c.logits[j] - max) / sum;
                return true;
            }
        }
        return false;
    }
}
