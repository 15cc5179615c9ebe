package dev.jmoe.model;

/** The file is not a model jmoe can run: unsupported architecture, missing tensor or key, wrong shape. */
public final class ModelFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
