package dev.jmoe.model;

/** A NaN or infinity appeared in a forward pass (only raised with {@link LoadOptions#checkFinite()}). */
public final class NonFiniteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NonFiniteException(String message) {
        super(message);
    }
}
