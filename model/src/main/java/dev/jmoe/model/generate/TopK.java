package dev.jmoe.model.generate;

/** Keeps the {@code k} highest logits, sorted best first ({@code llama_sampler_top_k}); k ≤ 0 disables it. */
public final class TopK implements SamplerStage {

    private final int k;

    public TopK(int k) {
        this.k = k;
    }

    @Override
    public void apply(Candidates c) {
        if (k <= 0) return;
        int keep = Math.min(k, c.size);
        if (!c.sorted) {
            CandidateOrder.sortTop(c, keep);
        }
        c.size = keep;
    }
}
