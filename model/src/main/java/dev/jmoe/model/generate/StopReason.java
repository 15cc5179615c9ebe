package dev.jmoe.model.generate;

/** Why generation ended. */
public enum StopReason {
    /** An end-of-generation token (EOS / EOT) was generated; it is the last generated id. */
    END_OF_GENERATION,
    /** The requested number of tokens was generated. */
    MAX_TOKENS,
    /** The text reached a stop string; the text ends before it. */
    STOP_STRING,
    /** The KV cache is full: the next token would not fit. */
    CONTEXT_FULL
}
