package dev.jmoe.model.generate;

import java.util.List;

/**
 * A sampler chain: stages in order, then a picker. {@link #sample} turns one step's logits into a token id without
 * allocating; {@link #accept} feeds every token of the sequence (prompt and generated) to the stateful stages.
 * Build the usual chain with {@link SamplerParams#build(int)}.
 */
public final class Sampler {

    private final Candidates candidates;
    private final SamplerStage[] stages;
    private final TokenPicker picker;

    public Sampler(int vocabSize, List<? extends SamplerStage> stages, TokenPicker picker) {
        this.candidates = new Candidates(vocabSize);
        this.stages = stages.toArray(SamplerStage[]::new);
        this.picker = picker;
    }

    public int vocabSize() {
        return candidates.capacity();
    }

    /** Chooses the next token from {@code logits[0 .. vocabSize)}; does not accept it. */
    public int sample(float[] logits) {
        candidates.load(logits);
        for (SamplerStage s : stages) s.apply(candidates);
        return picker.pick(candidates);
    }

    public void accept(int token) {
        for (SamplerStage s : stages) s.accept(token);
    }

    public void reset() {
        for (SamplerStage s : stages) s.reset();
        picker.reset();
    }

    /** The candidates as the last {@link #sample} left them (for tests and top-n reports). */
    public Candidates lastCandidates() {
        return candidates;
    }
}
