package dev.jmoe.model.tokenizer;

/** GGUF {@code tokenizer.ggml.token_type} values (llama.h {@code llama_token_type}). */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    static TokenType of(int ggufValue) {
        return ggufValue >= 0 && ggufValue < values().length ? values()[ggufValue] : UNDEFINED;
    }
}
