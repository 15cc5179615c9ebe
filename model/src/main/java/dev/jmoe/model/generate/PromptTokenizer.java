package dev.jmoe.model.generate;

/**
 * The seam through which a tokenizer turns prompt text into ids, adding BOS and parsing special tokens as the model's
 * metadata says (as {@code llama-completion} does). The tokenizer package supplies it.
 */
@FunctionalInterface
public interface PromptTokenizer {

    int[] encode(String text);
}
