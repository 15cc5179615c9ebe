package dev.jmoe.model.tokenizer;

/** A chat template that cannot be loaded or rendered; the message names the construct and the built-in templates. */
public final class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
