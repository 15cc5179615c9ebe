package dev.jmoe.model.tokenizer;

import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufValueType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A GGUF vocabulary as llama.cpp loads it ({@code llama_vocab::impl::load}, src/llama-vocab.cpp): token texts, scores
 * and attributes, the BPE merge ranks, special token ids with llama.cpp's per-model defaults, the add-BOS/EOS and
 * whitespace flags, the end-of-generation set, and the special-token list that input text is partitioned by.
 */
final class Vocab {
    enum Kind { SPM, BPE }

    static final int NULL = -1;

    final Kind kind;
    final String model;
    final String pre;
    final String[] text;
    final float[] score;
    final int[] attr;
    final TokenType[] type;
    final Map<String, Integer> ids;

    // BPE
    final PreTokenizer preTokenizer;
    final boolean ignoreMerges;
    final LongIntMap mergeRankById;     // (left id << 32 | right id) → rank
    final Map<String, Integer> mergeRankByText; // "left right" → rank, for parts that are not tokens
    final int[] mergeResult;            // rank → token id of left+right, or NULL
    final int[] charToId;               // byte-level char (< 512) → token id, or NULL

    // flags
    final boolean addSpacePrefix;
    final boolean addBos;
    final boolean addEos;
    final boolean cleanSpaces;

    int bos, eos, eot, eom, unk, pad, sep, fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep;
    final int[] eog;
    final int[] specialCache;
    final SpecialTrie specialTrie;

    Vocab(GgufMetadata md) {
        model = md.getString("tokenizer.ggml.model");
        String p = md.getString("tokenizer.ggml.pre", "");
        int bosDefault, eosDefault, unkDefault;
        boolean spacePrefix, bosFlag, clean;
        PreType.Choice choice = null;
        switch (model) {
            case "llama" -> {
                kind = Kind.SPM;
                bosDefault = 1;
                eosDefault = 2;
                unkDefault = 0;
                spacePrefix = true;
                bosFlag = true;
                clean = false;
                pre = "default";
            }
            case "gpt2" -> {
                kind = Kind.BPE;
                bosDefault = 11;
                eosDefault = 11;
                unkDefault = NULL;
                choice = PreType.forName(p);
                if (choice == null) {
                    throw new IllegalArgumentException("tokenizer.ggml.pre = '" + p + "' is a pre-tokenizer jmoe does not implement"
                            + " (implemented: default, llama3/llama-bpe, deepseek-llm, deepseek-coder, deepseek-v3, qwen2, gpt-2,"
                            + " falcon, starcoder and the names llama.cpp maps to them)");
                }
                spacePrefix = false;
                bosFlag = choice.addBos();
                clean = choice.cleanSpaces();
                if (choice.noBos()) bosDefault = NULL;
                pre = p.isEmpty() ? "default" : p;
            }
            default -> throw new IllegalArgumentException("tokenizer.ggml.model = '" + model
                    + "' is not supported (jmoe implements 'llama' (SentencePiece BPE) and 'gpt2' (byte-level BPE))");
        }
        addSpacePrefix = md.getBool("tokenizer.ggml.add_space_prefix", spacePrefix);
        cleanSpaces = clean;

        text = md.getStringArray("tokenizer.ggml.tokens").clone();
        int n = text.length;
        score = new float[n];
        if (md.has("tokenizer.ggml.scores")) {
            GgufValue.Array a = md.getArray("tokenizer.ggml.scores");
            float[] s;
            if (a.elementType() == GgufValueType.INT32) {
                int[] is = md.getIntArray("tokenizer.ggml.scores");
                s = new float[is.length];
                for (int i = 0; i < is.length; i++) s[i] = is[i];
            } else {
                s = md.getFloatArray("tokenizer.ggml.scores");
            }
            if (s.length < n) throw new IllegalArgumentException("tokenizer.ggml.scores has " + s.length + " entries for " + n + " tokens");
            System.arraycopy(s, 0, score, 0, n);
        }
        int[] types = md.has("tokenizer.ggml.token_type") ? md.getIntArray("tokenizer.ggml.token_type") : null;
        if (types != null && types.length < n) {
            throw new IllegalArgumentException("tokenizer.ggml.token_type has " + types.length + " entries for " + n + " tokens");
        }
        type = new TokenType[n];
        attr = new int[n];
        ids = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            if (text[i].isEmpty()) text[i] = "[EMPTY_" + i + "]";
            if (ids.putIfAbsent(text[i], i) != null) {
                throw new IllegalArgumentException("duplicate token in vocabulary: '" + text[i] + "' has ids " + ids.get(text[i]) + " and " + i);
            }
            type[i] = types == null ? TokenType.NORMAL : TokenType.of(types[i]);
            attr[i] = types == null ? Attr.NORMAL : Attr.fromType(type[i]);
        }

        // BPE merges: "first second", split at the first space after position 0
        if (kind == Kind.BPE) {
            preTokenizer = PreTokenizer.of(choice.type());
            ignoreMerges = choice.ignoreMerges();
            String[] merges = md.has("tokenizer.ggml.merges") ? md.getStringArray("tokenizer.ggml.merges") : null;
            if (merges == null) throw new IllegalArgumentException("tokenizer.ggml.merges is absent (a gpt2 vocabulary needs its merges)");
            mergeRankById = new LongIntMap(merges.length);
            mergeRankByText = new HashMap<>();
            mergeResult = new int[merges.length];
            for (int r = 0; r < merges.length; r++) {
                String w = merges[r];
                int sp = w.indexOf(' ', 1);
                String first = sp < 0 ? "" : w.substring(0, sp);
                String second = sp < 0 ? "" : w.substring(sp + 1);
                mergeRankByText.putIfAbsent(first + " " + second, r);
                Integer a = ids.get(first), b = ids.get(second);
                if (a != null && b != null) mergeRankById.putIfAbsent(((long) a << 32) | b, r);
                Integer m = ids.get(first + second);
                mergeResult[r] = m == null ? NULL : m;
            }
            charToId = new int[512];
            for (int c = 0; c < 512; c++) {
                Integer id = ids.get(String.valueOf((char) c));
                charToId[c] = id == null ? NULL : id;
            }
        } else {
            preTokenizer = null;
            ignoreMerges = false;
            mergeRankById = null;
            mergeRankByText = null;
            mergeResult = null;
            charToId = null;
        }

        // special token ids: per-model defaults, disabled when out of range, then the GGUF keys
        bos = inRange(bosDefault, n);
        eos = inRange(eosDefault, n);
        unk = inRange(unkDefault, n);
        eot = eom = sep = pad = fimPre = fimSuf = fimMid = fimPad = fimRep = fimSep = NULL;
        bos = key(md, "tokenizer.ggml.bos_token_id", bos, n);
        eos = key(md, "tokenizer.ggml.eos_token_id", eos, n);
        eot = key(md, "tokenizer.ggml.eot_token_id", eot, n);
        eom = key(md, "tokenizer.ggml.eom_token_id", eom, n);
        unk = key(md, "tokenizer.ggml.unknown_token_id", unk, n);
        sep = key(md, "tokenizer.ggml.seperator_token_id", sep, n);
        pad = key(md, "tokenizer.ggml.padding_token_id", pad, n);
        fimPre = key(md, "tokenizer.ggml.fim_pre_token_id", fimPre, n);
        fimSuf = key(md, "tokenizer.ggml.fim_suf_token_id", fimSuf, n);
        fimMid = key(md, "tokenizer.ggml.fim_mid_token_id", fimMid, n);
        fimPad = key(md, "tokenizer.ggml.fim_pad_token_id", fimPad, n);
        fimRep = key(md, "tokenizer.ggml.fim_rep_token_id", fimRep, n);
        fimSep = key(md, "tokenizer.ggml.fim_sep_token_id", fimSep, n);
        fimPre = key(md, "tokenizer.ggml.prefix_token_id", fimPre, n);
        fimSuf = key(md, "tokenizer.ggml.suffix_token_id", fimSuf, n);
        fimMid = key(md, "tokenizer.ggml.middle_token_id", fimMid, n);

        addBos = md.getBool("tokenizer.ggml.add_bos_token", bosFlag);
        addEos = md.getBool("tokenizer.ggml.add_eos_token", false);
        if (addBos && bos == NULL) throw new IllegalArgumentException("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
        if (addEos && eos == NULL) throw new IllegalArgumentException("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");

        // llama.cpp finds EOT/EOM/FIM tokens by their text (it walks a hash map, so with several candidates the one it
        // picks is unspecified; here the first name listed wins) and forces them to CONTROL
        if (eot == NULL) eot = byText("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
        if (eom == NULL) eom = byText("<|eom_id|>");
        if (fimPre == NULL) fimPre = byText("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
        if (fimSuf == NULL) fimSuf = byText("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
        if (fimMid == NULL) fimMid = byText("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
        if (fimPad == NULL) fimPad = byText("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
        if (fimRep == NULL) fimRep = byText("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
        if (fimSep == NULL) fimSep = byText("<|file_sep|>");
        for (int id : new int[]{eot, eom, fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep}) if (id != NULL) attr[id] |= Attr.CONTROL;

        // control tokens named "unused" are unused
        for (int i = 0; i < n; i++) if ((attr[i] & Attr.CONTROL) != 0 && text[i].contains("unused")) attr[i] |= Attr.UNUSED;

        // end-of-generation set
        TreeSet<Integer> eogSet = new TreeSet<>();
        for (int id : new int[]{fimPad, fimRep, fimSep}) if (id != NULL) eogSet.add(id);
        for (String t : List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
                "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[")) {
            Integer id = ids.get(t);
            if (id != null) {
                eogSet.add(id);
                attr[id] |= Attr.CONTROL;
            }
        }
        for (String t : List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>")) {
            Integer id = ids.get(t);
            if (id != null) attr[id] = Attr.USER_DEFINED;
        }
        for (int id : new int[]{eos, eot, eom}) if (id != NULL) eogSet.add(id);
        Integer end = ids.get("<|end|>");
        if (end != null && eogSet.contains(end)
                && ((has(eogSet, "<|return|>") && has(eogSet, "<|call|>", "<|calls|>")) || (has(eogSet, "<|call|>", "<|calls|>") && has(eogSet, "<|flush|>")))) {
            eogSet.remove(end);
            attr[end] = Attr.USER_DEFINED;
        }
        Integer s = ids.get("</s>");
        if (s != null && eogSet.contains(s) && has(eogSet, "<|tool_response>")) {
            eogSet.remove(s);
            attr[s] = Attr.NORMAL;
        }
        eog = eogSet.stream().mapToInt(Integer::intValue).toArray();

        // special tokens that input text is partitioned by, longest first (stable: ties stay in id order)
        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < n; i++) if ((attr[i] & (Attr.CONTROL | Attr.USER_DEFINED | Attr.UNKNOWN)) != 0) special.add(i);
        special.sort((a, b) -> Integer.compare(text[b].length(), text[a].length()));

        // per-model attributes llama.cpp sets by name (phi-3: strip whitespace right of special tokens)
        String name = md.getString("general.name", "").toLowerCase(Locale.ROOT);
        if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : special) attr[id] |= Attr.RSTRIP;
            setAttr("</s>", Attr.RSTRIP, true);
            for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) setAttr(t, Attr.RSTRIP, false);
        }
        specialCache = special.stream().mapToInt(Integer::intValue).toArray();
        specialTrie = new SpecialTrie(text, specialCache);
    }

    private boolean has(TreeSet<Integer> set, String... names) {
        for (String t : names) {
            Integer id = ids.get(t);
            if (id != null && set.contains(id)) return true;
        }
        return false;
    }

    private void setAttr(String t, int bit, boolean on) {
        Integer id = ids.get(t);
        if (id == null) throw new IllegalArgumentException("token '" + t + "' is missing from the vocabulary");
        attr[id] = on ? attr[id] | bit : attr[id] & ~bit;
    }

    private int byText(String... names) {
        for (String t : names) {
            Integer id = ids.get(t);
            if (id != null) return id;
        }
        return NULL;
    }

    private static int inRange(int id, int n) {
        return id >= 0 && id < n ? id : NULL;
    }

    private static int key(GgufMetadata md, String key, int dflt, int n) {
        if (!md.has(key)) return dflt;
        long v = md.getLong(key) & 0xFFFFFFFFL;
        return v < n ? (int) v : dflt;
    }

    int tokenId(String t) {
        Integer id = ids.get(t);
        return id == null ? NULL : id;
    }

    int size() {
        return text.length;
    }

    @Override
    public String toString() {
        return model + "/" + pre + " " + text.length + " tokens " + Arrays.toString(new int[]{bos, eos});
    }
}
