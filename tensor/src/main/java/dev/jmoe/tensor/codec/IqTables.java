package dev.jmoe.tensor.codec;

/**
 * Lookup tables of the IQ types, transcribed from llama.cpp {@code ggml/src/ggml-common.h}. Here only the one used by
 * IQ4_NL (and IQ4_XS); the IQ branch's class of the same name holds the full set and supersedes this one on merge.
 */
public final class IqTables {
    private IqTables() {}

    /** kvalues_iq4nl[16]: the non-linear 4-bit codebook shared by IQ4_NL and IQ4_XS. */
    public static final byte[] KVALUES_IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
}
