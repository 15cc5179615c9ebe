package dev.jmoe.model.tokenizer;

/**
 * The pre-tokenizer families of byte-level BPE vocabularies that jmoe implements, and the {@code tokenizer.ggml.pre}
 * names llama.cpp maps to each (src/llama-vocab.cpp, {@code llama_vocab::impl::load}), with the flags it sets for them.
 */
enum PreType {
    DEFAULT, LLAMA3, DEEPSEEK_LLM, DEEPSEEK_CODER, DEEPSEEK3_LLM, FALCON, STARCODER, GPT2, QWEN2, DBRX, SMAUG, CHATGLM4;

    /** What llama.cpp derives from a {@code tokenizer.ggml.pre} value. */
    record Choice(PreType type, boolean cleanSpaces, boolean ignoreMerges, boolean addBos, boolean noBos) {}

    /** null when the name is not one jmoe implements. */
    static Choice forName(String pre) {
        if (pre == null || pre.isEmpty() || pre.equals("default")) return new Choice(DEFAULT, true, false, false, false);
        return switch (pre) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano" ->
                    new Choice(LLAMA3, true, true, true, false);
            case "deepseek-llm" -> new Choice(DEEPSEEK_LLM, false, false, false, false);
            case "deepseek-coder" -> new Choice(DEEPSEEK_CODER, false, false, false, false);
            case "deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4" -> new Choice(DEEPSEEK3_LLM, false, false, false, false);
            case "falcon" -> new Choice(FALCON, true, false, false, false);
            case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2" -> new Choice(STARCODER, true, false, false, false);
            case "command-r", "smollm" -> new Choice(STARCODER, false, false, false, false);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
                 "modern-bert", "mpt", "olmo", "jais", "exaone4" -> new Choice(GPT2, true, false, false, false);
            case "trillion", "granite-docling" -> new Choice(GPT2, false, false, false, false);
            case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2" -> new Choice(QWEN2, false, false, false, false);
            case "stablelm2", "megrez" -> new Choice(QWEN2, true, false, false, false);
            case "hunyuan", "solar-open" -> new Choice(QWEN2, false, false, false, false);
            case "dbrx" -> new Choice(DBRX, true, false, false, false);
            case "smaug-bpe" -> new Choice(SMAUG, true, false, false, false);
            case "glm4", "chatglm-bpe" -> new Choice(CHATGLM4, true, false, false, true);
            default -> null;
        };
    }
}
