package dev.jmoe.model.tokenizer;

/**
 * GPT-2's reversible byte ↔ character map (llama.cpp unicode.cpp {@code unicode_byte_to_utf8_map}): the printable
 * bytes {@code ! .. ~}, {@code ¡ .. ¬}, {@code ® .. ÿ} map to themselves, the other 68 bytes to U+0100, U+0101, ... in
 * byte order. Byte-level BPE vocabularies spell every token in these characters.
 */
final class ByteUnicode {
    private ByteUnicode() {}

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        boolean[] direct = new boolean[256];
        for (int b = 0x21; b <= 0x7E; b++) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) direct[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++) {
            char c = direct[b] ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    static char toChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character stands for, or -1 if it is not one of the 256 mapped characters. */
    static int toByte(int cpt) {
        return cpt >= 0 && cpt < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cpt] : -1;
    }
}
