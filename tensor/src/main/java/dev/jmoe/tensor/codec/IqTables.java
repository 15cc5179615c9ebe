package dev.jmoe.tensor.codec;

/** Non-linear code books of the IQ types, transcribed from ggml-common.h (llama.cpp). */
public final class IqTables {
    private IqTables() {}

    /** kvalues_iq4nl: the 16 levels of IQ4_NL and IQ4_XS. */
    public static final byte[] KVALUES_IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
}
