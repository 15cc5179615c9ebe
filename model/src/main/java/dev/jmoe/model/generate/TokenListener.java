package dev.jmoe.model.generate;

/** Receives generated tokens as they come (streaming). Called on the generating thread; keep it quick. */
@FunctionalInterface
public interface TokenListener {

    TokenListener NONE = (id, text) -> {};

    /**
     * @param id   the token just generated
     * @param text the text this token releases: {@code null} without a detokenizer; possibly empty while a UTF-8
     *             character or a possible stop string is incomplete (it comes out with a later token, or not at all
     *             when the stop string completes); never the text of an end-of-generation token
     */
    void onToken(int id, String text);
}
