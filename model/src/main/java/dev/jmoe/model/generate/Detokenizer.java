package dev.jmoe.model.generate;

/**
 * The seam through which a tokenizer renders generated tokens: the bytes of one token's piece (UTF-8 fragments
 * allowed; the generator joins them into whole characters). The tokenizer package supplies it.
 */
@FunctionalInterface
public interface Detokenizer {

    byte[] tokenBytes(int tokenId);
}
