package dev.jmoe.model.tokenizer;

/** llama.cpp's per-token attribute bits ({@code llama_token_attr}, llama.h). */
final class Attr {
    private Attr() {}

    static final int UNDEFINED = 0;
    static final int UNKNOWN = 1;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    static final int CONTROL = 1 << 3;
    static final int USER_DEFINED = 1 << 4;
    static final int BYTE = 1 << 5;
    static final int LSTRIP = 1 << 7;
    static final int RSTRIP = 1 << 8;

    /** The attribute llama.cpp derives from a GGUF token type. */
    static int fromType(TokenType t) {
        return switch (t) {
            case UNKNOWN -> UNKNOWN;
            case UNUSED -> UNUSED;
            case NORMAL -> NORMAL;
            case CONTROL -> CONTROL;
            case USER_DEFINED -> USER_DEFINED;
            case BYTE -> BYTE;
            case UNDEFINED -> UNDEFINED;
        };
    }
}
