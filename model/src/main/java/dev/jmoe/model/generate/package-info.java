/**
 * Generation over a {@link dev.jmoe.model.LanguageModel}: sampling and the decode loop.
 *
 * <pre>{@code
 * Sampler sampler = SamplerParams.defaults(seed).build(model.vocabSize());      // or SamplerParams.greedy()
 * GenerationConfig cfg = GenerationConfig.of(256, eosId).withText(detokenizer, List.of("\n\n"));
 * Generation g = new Generator(model).generate(promptIds, cfg, sampler, (id, text) -> System.out.print(text));
 * g.generatedIds(); g.text(); g.stopReason(); g.stats().generationTokensPerSecond();
 * }</pre>
 *
 * <p>The sampler chain follows llama.cpp (src/llama-sampling.cpp) stage by stage, including its Mersenne Twister and
 * the order of its default chain (penalties → top-k → top-p → min-p → temperature → dist), so a seed draws the same
 * tokens as llama.cpp from the same logits. {@link dev.jmoe.model.generate.Bench} holds llama-bench's pp / tg
 * measurements.
 */
package dev.jmoe.model.generate;
