package dev.jmoe.model.tokenizer;

/**
 * Code point classes as llama.cpp's {@code unicode_cpt_flags} (src/unicode.h, src/unicode-data.cpp) define them:
 * one general-category group per code point (N, L, Z, M, P, S, C, or UNDEFINED for unassigned), plus the White_Space
 * property. The categories come from {@link Character#getType}, i.e. the JDK's Unicode version; llama.cpp's table was
 * generated from Python's {@code regex} module, so code points assigned after that version may differ (documented gap).
 */
final class Unicode {
    private Unicode() {}

    static final int UNDEFINED = 0x0001;
    static final int NUMBER = 0x0002;
    static final int LETTER = 0x0004;
    static final int SEPARATOR = 0x0008;
    static final int ACCENT_MARK = 0x0010;
    static final int PUNCTUATION = 0x0020;
    static final int SYMBOL = 0x0040;
    static final int CONTROL = 0x0080;
    static final int WHITESPACE = 0x0100;

    /** Flags of the first 64K code points, computed once (BMP covers almost all text; the rest is computed per call). */
    private static final short[] BMP = new short[0x10000];

    static {
        for (int c = 0; c < 0x10000; c++) BMP[c] = (short) compute(c);
    }

    /** The flags of {@code cpt}; 0 for "out of range" is the caller's business (llama.cpp's default flags). */
    static int flags(int cpt) {
        if (cpt < 0x10000) return BMP[cpt] & 0xFFFF;
        return cpt <= 0x10FFFF ? compute(cpt) : UNDEFINED;
    }

    static boolean isWhitespace(int cpt) {
        return switch (cpt) {
            // Unicode White_Space, the set Python's regex \s matches (llama.cpp's unicode_set_whitespace)
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cpt >= 0x2000 && cpt <= 0x200A;
        };
    }

    private static int compute(int c) {
        int cat = switch (Character.getType(c)) {
            case Character.UNASSIGNED -> UNDEFINED;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> ACCENT_MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> SYMBOL;
            default -> CONTROL; // Cc, Cf, Cs, Co
        };
        return isWhitespace(c) ? cat | WHITESPACE : cat;
    }

    static boolean isLetter(int flags) {
        return (flags & LETTER) != 0;
    }

    static boolean isNumber(int flags) {
        return (flags & NUMBER) != 0;
    }

    static boolean isSpace(int flags) {
        return (flags & WHITESPACE) != 0;
    }
}
