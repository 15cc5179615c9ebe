package dev.jmoe.cli;

import java.util.function.Consumer;

/**
 * Routes streamed answer text: R1-style {@code <think>…</think>} sections are shown dimmed (ANSI SGR 2) or dropped.
 * Tags may arrive split across tokens ({@code "<th"}, {@code "ink>"}), so a tail that could still become a tag is
 * held back until the next piece decides it.
 */
final class ThinkFilter {

    static final String OPEN = "<think>", CLOSE = "</think>";
    static final String DIM = "\u001b[2m", RESET = "\u001b[0m";

    private final Consumer<String> out;
    private final boolean hide;
    private final StringBuilder pending = new StringBuilder();
    private boolean inThink;
    private boolean trimLeading; // after a hidden section: drop the blank lines that separated it from the answer

    /**
     * @param out          where visible text goes
     * @param hide         drop the think sections instead of dimming them
     * @param startInThink the prompt already opened {@code <think>} (some R1 templates end the generation prompt so)
     */
    ThinkFilter(Consumer<String> out, boolean hide, boolean startInThink) {
        this.out = out;
        this.hide = hide;
        this.inThink = startInThink;
        if (startInThink && !hide) out.accept(DIM + OPEN);
    }

    void accept(String piece) {
        if (piece == null || piece.isEmpty()) return;
        pending.append(piece);
        while (true) {
            String tag = inThink ? CLOSE : OPEN;
            int at = pending.indexOf(tag);
            if (at < 0) break;
            emit(pending.substring(0, at));
            pending.delete(0, at + tag.length());
            if (!hide) out.accept(inThink ? CLOSE + RESET : DIM + OPEN);
            inThink = !inThink;
            if (!inThink && hide) trimLeading = true;
        }
        int keep = partialTagSuffix(pending, inThink ? CLOSE : OPEN);
        emit(pending.substring(0, pending.length() - keep));
        pending.delete(0, pending.length() - keep);
    }

    /** End of the answer: releases a held-back tail and closes an unterminated dimmed section. */
    void finish() {
        emit(pending.toString());
        pending.setLength(0);
        if (inThink && !hide) out.accept(RESET);
        inThink = false;
    }

    private void emit(String s) {
        if (s.isEmpty() || (inThink && hide)) return;
        if (trimLeading) {
            s = s.stripLeading();
            if (s.isEmpty()) return;
            trimLeading = false;
        }
        out.accept(s);
    }

    /** The length of the longest suffix of {@code s} that is a proper prefix of {@code tag}. */
    static int partialTagSuffix(CharSequence s, String tag) {
        for (int k = Math.min(tag.length() - 1, s.length()); k > 0; k--) {
            boolean match = true;
            for (int i = 0; i < k && match; i++) match = s.charAt(s.length() - k + i) == tag.charAt(i);
            if (match) return k;
        }
        return 0;
    }
}
