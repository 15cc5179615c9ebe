/**
 * Forward passes of GGUF language models on the CPU.
 *
 * <p>API: {@link dev.jmoe.model.ModelLoader#load(java.nio.file.Path, dev.jmoe.model.LoadOptions)} opens a file and
 * returns a {@link dev.jmoe.model.LanguageModel} (one sequence, its own KV cache) for the architecture named by
 * {@code general.architecture}: {@code deepseek2} (DeepSeek-V3/R1, V2, V2-Lite, Moonlight, Kimi-K2) or {@code llama} /
 * {@code qwen2} (Llama 2/3, Mistral, Mixtral, TinyStories, Qwen2). {@link dev.jmoe.model.LoadOptions} sets the context,
 * threads, the routed-experts override, the KV cache type (F32/F16), the prefill micro-batch, a NaN/Inf check and a
 * {@link dev.jmoe.model.Probe} for named intermediates.
 *
 * <p>Layout: one class per architecture ({@code Deepseek2}, {@code Llama}: a straight-line {@code layers} method with
 * tensor shapes in comments) over shared blocks ({@code RmsNorm}, {@code Rope}/{@code RopeParams}, {@code Mla},
 * {@code GqaAttention}, {@code Ffn}, {@code MoeFfn}, {@code Router}); {@code DecoderModel} holds what they share
 * (positions, argument checks, micro-batching, output head). The math follows llama.cpp (src/models/*.cpp,
 * src/llama-graph.cpp, ggml-cpu ops) and is held to its logits by the tests.
 */
package dev.jmoe.model;
