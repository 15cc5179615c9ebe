package dev.jmoe.model.generate;

/**
 * One step of a sampler chain (llama.cpp's {@code llama_sampler} interface): narrows or reshapes the candidates. Stages
 * allocate at construction and never per token.
 */
public interface SamplerStage {

    void apply(Candidates candidates);

    /** Sees every token that becomes part of the sequence (prompt and generated), for stateful stages. */
    default void accept(int token) {}

    /** Back to the state right after construction. */
    default void reset() {}
}
