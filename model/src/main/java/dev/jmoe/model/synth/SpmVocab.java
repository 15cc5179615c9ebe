package dev.jmoe.model.synth;

import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small SentencePiece-style ("llama") vocabulary of our own, enough for llama.cpp and jmoe to tokenize and
 * detokenize English text: {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens {@code <0x00>..<0xFF>}
 * (byte fallback for anything else), the word-start mark {@code ▁}, letters and punctuation, then common words with
 * every prefix of each ({@code ▁t}, {@code ▁th}, {@code ▁the}) so SentencePiece's pairwise merges can reach them.
 * Larger vocabularies (a real model's {@code vocab_size}) are padded with unused tokens {@code <unused_N>}.
 *
 * <p>Token types as llama.cpp reads them: 1 normal, 2 unknown, 3 control, 5 unused, 6 byte. Scores: 0 for the special
 * and byte tokens, then {@code -i} for the i-th piece (earlier pieces merge first).
 */
public final class SpmVocab {
    public static final int UNK = 0, BOS = 1, EOS = 2;
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, UNUSED = 5, BYTE = 6;
    static final String SPACE = "\u2581";

    /** Most frequent first: the list is cut where the vocabulary is full. */
    private static final String WORDS = """
            the a and to was he she it of in . , Once upon time there little girl boy named Lily Tom Ben Sue day One
            The She He They It was were had his her they with for on that is said you I not at big very happy
            play played saw wanted went so but all what friend friends mom dad sun tree ball dog cat bird fish park
            toy house car red blue green box sky water food run ran jump look looked help helped can could see
            every one two from up down out into over back home good nice fun love loved like liked came come
            did do after when then an be this we my me your our them too now again new old sad smile smiled
            """;

    private SpmVocab() {}

    /** The tokenizer.* keys, in the order llama.cpp's converters write them, for a vocabulary of {@code size} tokens. */
    public static Map<String, GgufValue> metadata(int size) {
        List<String> tokens = tokens(size);
        float[] scores = new float[size];
        int[] types = new int[size];
        int firstPiece = 3 + 256;
        for (int i = 0; i < size; i++) {
            String t = tokens.get(i);
            types[i] = i == UNK ? UNKNOWN : i < 3 ? CONTROL : i < firstPiece ? BYTE : t.startsWith("<unused_") ? UNUSED : NORMAL;
            scores[i] = i < firstPiece || types[i] == UNUSED ? 0f : -(i - firstPiece);
        }
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.tokens", GgufValue.ofStrings(tokens.toArray(String[]::new)));
        m.put("tokenizer.ggml.scores", GgufValue.ofFloats(scores));
        m.put("tokenizer.ggml.token_type", GgufValue.ofInt32s(types));
        m.put("tokenizer.ggml.model", GgufValue.ofString("llama"));
        m.put("tokenizer.ggml.unknown_token_id", GgufValue.ofUInt32(UNK));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(BOS));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(EOS));
        // -1 as UINT32: "none", as llama.cpp's llama2.c converter writes it (the shared models carry these keys)
        m.put("tokenizer.ggml.seperator_token_id", new GgufValue(GgufValueType.UINT32, 0xFFFF_FFFFL));
        m.put("tokenizer.ggml.padding_token_id", new GgufValue(GgufValueType.UINT32, 0xFFFF_FFFFL));
        return m;
    }

    /** The token strings; {@code size} must leave room for the 259 special and byte tokens and some pieces. */
    public static List<String> tokens(int size) {
        if (size < 3 + 256 + 64) throw new IllegalArgumentException("vocabulary of " + size + " tokens is too small (needs >= 323)");
        List<String> out = new ArrayList<>(size);
        out.add("<unk>");
        out.add("<s>");
        out.add("</s>");
        for (int b = 0; b < 256; b++) out.add(String.format("<0x%02X>", b));
        Set<String> pieces = new LinkedHashSet<>();
        pieces.add(SPACE);
        for (char c = 'a'; c <= 'z'; c++) pieces.add(String.valueOf(c));
        for (char c = 'A'; c <= 'Z'; c++) pieces.add(String.valueOf(c));
        for (char c : ".,!?'\"-".toCharArray()) pieces.add(String.valueOf(c));
        int room = size - out.size();
        for (String w : WORDS.trim().split("\\s+")) {
            String p = SPACE + w;
            List<String> chain = new ArrayList<>();
            for (int k = 2; k <= p.length(); k++) if (!pieces.contains(p.substring(0, k))) chain.add(p.substring(0, k));
            if (pieces.size() + chain.size() > room) continue; // keep every piece reachable: whole chains only
            pieces.addAll(chain);
        }
        for (char c : "0123456789:;()".toCharArray()) if (pieces.size() < room) pieces.add(String.valueOf(c));
        out.addAll(pieces);
        for (int i = out.size(); i < size; i++) out.add("<unused_" + i + ">");
        return out;
    }
}
