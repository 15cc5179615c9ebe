package dev.jmoe.model.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token ids into text, emitting only complete UTF-8 sequences: a character split over several
 * tokens (byte tokens, byte-level BPE pieces) comes out whole, once its last byte arrives. Bytes that can never form
 * a valid sequence are emitted as U+FFFD at once. Pieces are rendered as {@code llama_token_to_piece(id, lstrip 0,
 * special)}, the way llama.cpp's examples print generated tokens. Not thread-safe: one per stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean special;
    private final byte[] pending = new byte[4];
    private int nPending;
    private final StringBuilder out = new StringBuilder();

    StreamingDecoder(Tokenizer tokenizer, boolean special) {
        this.tokenizer = tokenizer;
        this.special = special;
    }

    /** Feeds one token; returns the text that became complete (often the whole piece, possibly ""). */
    public String next(int id) {
        out.setLength(0);
        for (byte b : tokenizer.pieceRef(checked(id), special)) push(b);
        return out.toString();
    }

    /** Ends the stream: an unfinished sequence left over comes out as U+FFFD. */
    public String flush() {
        out.setLength(0);
        if (nPending > 0) out.append('\uFFFD');
        nPending = 0;
        return out.toString();
    }

    private int checked(int id) {
        if (id < 0 || id >= tokenizer.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (tokenizer.vocabSize() - 1) + ")");
        }
        return id;
    }

    private void push(byte b) {
        int u = b & 0xFF;
        if (nPending == 0) {
            if (u < 0x80) {
                out.append((char) u);
            } else if (u >= 0xC2 && u <= 0xF4) {
                pending[nPending++] = b;
            } else {
                out.append('\uFFFD'); // stray continuation byte or a byte that never starts a sequence
            }
            return;
        }
        if ((u & 0xC0) != 0x80 || !validSecond(pending[0] & 0xFF, u, nPending)) {
            out.append('\uFFFD'); // the pending sequence is broken; this byte starts afresh
            nPending = 0;
            push(b);
            return;
        }
        pending[nPending++] = b;
        if (nPending == expectedLength(pending[0] & 0xFF)) {
            out.append(new String(pending, 0, nPending, StandardCharsets.UTF_8));
            nPending = 0;
        }
    }

    private static int expectedLength(int lead) {
        return lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    }

    /** The second byte's narrower ranges (no overlongs, no surrogates, nothing above U+10FFFF). */
    private static boolean validSecond(int lead, int u, int position) {
        if (position != 1) return true;
        return switch (lead) {
            case 0xE0 -> u >= 0xA0;
            case 0xED -> u <= 0x9F;
            case 0xF0 -> u >= 0x90;
            case 0xF4 -> u <= 0x8F;
            default -> true;
        };
    }
}
