package dev.jmoe.model.generate;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Turns token pieces (byte fragments) into releasable text: holds back an incomplete UTF-8 character, and any tail that
 * could still grow into a stop string, so a stop string is never shown; detects a complete stop string.
 */
public final class TextStream {

    private final Detokenizer detokenizer;
    private final List<String> stops;
    private byte[] bytes = new byte[64];      // undecoded bytes: at most an incomplete UTF-8 character
    private int nBytes;
    private final StringBuilder held = new StringBuilder();   // decoded, not yet released
    private final StringBuilder released = new StringBuilder();
    private boolean stopped;

    public TextStream(Detokenizer detokenizer, List<String> stops) {
        this.detokenizer = detokenizer;
        this.stops = stops;
    }

    /** True once a stop string completed. */
    public boolean stopped() {
        return stopped;
    }

    public String text() {
        return released.toString();
    }

    /**
     * Adds a token's piece (none for an end-of-generation token) and returns the text it releases. With
     * {@code last}, everything held is released (an incomplete character as U+FFFD).
     */
    public String push(int id, boolean render, boolean last) {
        if (render) {
            byte[] piece = detokenizer.tokenBytes(id);
            if (piece != null && piece.length > 0) {
                if (nBytes + piece.length > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, nBytes + piece.length));
                System.arraycopy(piece, 0, bytes, nBytes, piece.length);
                nBytes += piece.length;
            }
        }
        int complete = last ? nBytes : completeUtf8Prefix(bytes, nBytes);
        if (complete > 0) {
            held.append(new String(bytes, 0, complete, StandardCharsets.UTF_8));
            System.arraycopy(bytes, complete, bytes, 0, nBytes - complete);
            nBytes -= complete;
        }
        int match = firstStop();
        if (match >= 0) {
            stopped = true;
            return release(match);
        }
        return release(last ? held.length() : holdFrom());
    }

    private String release(int upTo) {
        String out = held.substring(0, upTo);
        held.delete(0, upTo);
        released.append(out);
        return out;
    }

    /** Start of the earliest complete stop string in the held text, or −1. */
    private int firstStop() {
        int best = -1;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best;
    }

    /** Earliest position from which the held text is a prefix of some stop string (held.length() if none). */
    private int holdFrom() {
        int n = held.length();
        String h = held.toString();
        for (int start = 0; start < n; start++) {
            for (String s : stops) {
                int len = n - start;
                if (len < s.length() && h.regionMatches(start, s, 0, len)) return start;
            }
        }
        return n;
    }

    /** Length of the longest prefix of {@code b[0, n)} that does not end inside a UTF-8 multi-byte character. */
    static int completeUtf8Prefix(byte[] b, int n) {
        int i = n - 1;
        int back = 0;
        while (i >= 0 && back < 4 && (b[i] & 0xC0) == 0x80) {   // continuation bytes
            i--;
            back++;
        }
        if (i < 0) return n;                                    // only continuation bytes: let the decoder flag them
        int lead = b[i] & 0xFF;
        int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return (n - i) < need && lead >= 0xC0 ? i : n;
    }
}
