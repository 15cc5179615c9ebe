package dev.jmoe.model;

/** A NaN or infinity appeared in a forward pass (only raised with {@link LoadOptions#checkFinite()}). */
public final class NonFiniteException extends RuntimeException {
    public NonFiniteException(String message) {
        super(message);
    }
}
