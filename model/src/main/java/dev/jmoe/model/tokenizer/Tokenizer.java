package dev.jmoe.model.tokenizer;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufMetadata;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A GGUF model's tokenizer, behaving as llama.cpp's {@code llama_tokenize} / {@code llama_token_to_piece} /
 * {@code llama_detokenize}: SentencePiece BPE ({@code tokenizer.ggml.model = llama}) and byte-level BPE
 * ({@code gpt2}, with the pre-tokenizer named by {@code tokenizer.ggml.pre}).
 * <p>Thread-safe: encoding and decoding keep no state between calls ({@link StreamingDecoder} does, one per stream).
 */
public final class Tokenizer {
    private final Vocab v;
    private final BpeEncoder bpe;
    private final SpmEncoder spm;
    private final byte[][] pieces; // token → piece as llama.cpp renders it with special = true

    private Tokenizer(Vocab v) {
        this.v = v;
        this.bpe = v.kind == Vocab.Kind.BPE ? new BpeEncoder(v) : null;
        this.spm = v.kind == Vocab.Kind.SPM ? new SpmEncoder(v) : null;
        pieces = new byte[v.size()][];
        for (int id = 0; id < v.size(); id++) pieces[id] = renderPiece(id);
    }

    /** The tokenizer described by a GGUF file's {@code tokenizer.*} metadata. */
    public static Tokenizer fromMetadata(GgufMetadata md) {
        if (!md.has("tokenizer.ggml.model")) throw new IllegalArgumentException("GGUF metadata key 'tokenizer.ggml.model' is absent: the file has no tokenizer");
        if (!md.has("tokenizer.ggml.tokens")) throw new IllegalArgumentException("GGUF metadata key 'tokenizer.ggml.tokens' is absent: the file has no vocabulary");
        return new Tokenizer(new Vocab(md));
    }

    /** Reads only the header of a GGUF file (vocabulary-only files work too). */
    public static Tokenizer open(Path gguf) {
        try (GgufFile f = GgufFile.openHeader(gguf)) {
            return fromMetadata(f.metadata());
        }
    }

    // ---- facts -----------------------------------------------------------------------------------------------------

    public int vocabSize() {
        return v.size();
    }

    /** {@code tokenizer.ggml.model}: "llama" or "gpt2". */
    public String model() {
        return v.model;
    }

    /** {@code tokenizer.ggml.pre} ("default" when absent or for SentencePiece). */
    public String pre() {
        return v.pre;
    }

    /** Beginning-of-sequence id, or -1. */
    public int bosId() {
        return v.bos;
    }

    /** End-of-sequence id, or -1. */
    public int eosId() {
        return v.eos;
    }

    /** End-of-turn id (from {@code tokenizer.ggml.eot_token_id} or found by its text as llama.cpp does), or -1. */
    public int eotId() {
        return v.eot;
    }

    public int padId() {
        return v.pad;
    }

    public int unkId() {
        return v.unk;
    }

    /** Whether {@link #encode} with {@code addSpecial} prepends BOS (llama.cpp's default per model type, or the GGUF key). */
    public boolean addsBos() {
        return v.addBos;
    }

    public boolean addsEos() {
        return v.addEos;
    }

    /** Every end-of-generation id (EOS, EOT, EOM and the tokens llama.cpp recognizes by text), ascending. */
    public int[] eosIds() {
        return v.eog.clone();
    }

    /** Whether generation should stop at this token. */
    public boolean isEog(int id) {
        return Arrays.binarySearch(v.eog, id) >= 0;
    }

    public TokenType tokenType(int id) {
        return v.type[check(id)];
    }

    /** Whether llama.cpp treats the token as control (rendered only when special tokens are asked for). */
    public boolean isControl(int id) {
        return (v.attr[check(id)] & Attr.CONTROL) != 0;
    }

    /** The token's text as stored in the vocabulary (e.g. "▁Hello", "Ġworld", "<0x0A>"). */
    public String tokenText(int id) {
        return v.text[check(id)];
    }

    public float score(int id) {
        return v.score[check(id)];
    }

    /** The id of a token spelled exactly so in the vocabulary, or -1. */
    public int tokenId(String text) {
        return v.tokenId(text);
    }

    // ---- encode ----------------------------------------------------------------------------------------------------

    /**
     * Tokenizes {@code text} as {@code llama_tokenize(text, add_special, parse_special)}.
     *
     * @param addSpecial   add the BOS (and EOS) that the vocabulary asks for ({@link #addsBos()}, {@link #addsEos()})
     * @param parseSpecial recognize control tokens (e.g. {@code <|im_start|>}) written in the text; user-defined
     *                     tokens are always recognized
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 4);
        List<Fragment> fragments = partition(text, parseSpecial);
        if (v.kind == Vocab.Kind.SPM) {
            boolean prevSpecial = true; // a space is prefixed to the first text and to text after a special token
            if (addSpecial && v.addBos) out.add(v.bos);
            for (Fragment f : fragments) {
                if (f.token >= 0) {
                    out.add(f.token);
                    prevSpecial = true;
                    continue;
                }
                String s = text.substring(f.start, f.end);
                if (v.addSpacePrefix && prevSpecial) s = " " + s;
                spm.encode(s.replace(" ", "\u2581"), out);
                prevSpecial = false;
            }
            if (addSpecial && v.addEos) out.add(v.eos);
        } else {
            if (addSpecial && v.addBos) out.add(v.bos);
            for (Fragment f : fragments) {
                if (f.token >= 0) out.add(f.token);
                else bpe.encode(text.substring(f.start, f.end), out);
            }
            if (addSpecial && v.addEos) out.add(v.eos);
        }
        return out.toArray();
    }

    /** A piece of input: a special token ({@code token >= 0}) or raw text {@code [start, end)}. */
    private record Fragment(int token, int start, int end) {}

    /** llama.cpp {@code tokenizer_st_partition}: split the text at special tokens, longest token first. */
    private List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> frags = new ArrayList<>();
        if (text.isEmpty()) return frags;
        frags.add(new Fragment(-1, 0, text.length()));
        java.util.BitSet present = v.specialTrie.occurring(text);
        if (present.isEmpty()) return frags;
        for (int id : v.specialCache) {
            if (!present.get(id)) continue; // cannot occur in any fragment of a text it does not occur in
            int a = v.attr[id];
            if (!parseSpecial && (a & (Attr.CONTROL | Attr.UNKNOWN)) != 0) continue;
            String t = v.text[id];
            List<Fragment> next = null;
            for (int k = 0; k < frags.size(); k++) {
                Fragment f = frags.get(k);
                int m = f.token < 0 ? text.indexOf(t, f.start) : -1;
                if (m < 0 || m + t.length() > f.end) {
                    if (next != null) next.add(f);
                    continue;
                }
                if (next == null) next = new ArrayList<>(frags.subList(0, k));
                int pos = f.start;
                while (true) {
                    int leftEnd = m;
                    if ((a & Attr.LSTRIP) != 0) while (leftEnd > pos && isSpace(text.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > pos) next.add(new Fragment(-1, pos, leftEnd));
                    next.add(new Fragment(id, m, m + t.length()));
                    int right = m + t.length();
                    if (right >= f.end) break;
                    if ((a & Attr.RSTRIP) != 0) while (right < f.end && isSpace(text.charAt(right))) right++;
                    pos = right;
                    m = text.indexOf(t, pos);
                    if (m < 0 || m + t.length() > f.end) {
                        if (pos < f.end) next.add(new Fragment(-1, pos, f.end));
                        break;
                    }
                }
            }
            if (next != null) frags = next;
        }
        return frags;
    }

    /** C {@code isspace} in the "C" locale. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    // ---- decode ----------------------------------------------------------------------------------------------------

    /**
     * The bytes of one token as {@code llama_token_to_piece(token, lstrip = 0, special)}: control and unknown tokens
     * are empty unless {@code special}; byte tokens are their byte; SentencePiece ▁ becomes a space; byte-level BPE
     * characters become their bytes. A piece may be part of a UTF-8 sequence.
     */
    public byte[] tokenToPiece(int id, boolean special) {
        check(id);
        if (!special && (v.attr[id] & (Attr.UNKNOWN | Attr.CONTROL)) != 0) return new byte[0];
        return pieces[id].clone();
    }

    /** {@link #tokenToPiece} without copying (the array must not be changed). */
    byte[] pieceRef(int id, boolean special) {
        if (!special && (v.attr[id] & (Attr.UNKNOWN | Attr.CONTROL)) != 0) return EMPTY;
        return pieces[id];
    }

    private static final byte[] EMPTY = new byte[0];

    private byte[] renderPiece(int id) {
        int a = v.attr[id];
        String t = v.text[id];
        if ((a & (Attr.UNKNOWN | Attr.CONTROL | Attr.USER_DEFINED)) != 0) return t.getBytes(StandardCharsets.UTF_8);
        if ((a & Attr.NORMAL) != 0) {
            if (v.kind == Vocab.Kind.SPM) return t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            return byteDecode(t);
        }
        if ((a & Attr.BYTE) != 0) {
            // "<0xNN>": llama.cpp parses characters 3..4 as hex
            try {
                return new byte[]{(byte) Integer.parseInt(t.substring(3, 5), 16)};
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("byte token " + id + " '" + t + "' is not of the form <0xNN>");
            }
        }
        return EMPTY; // unused / undefined tokens render as nothing, as in llama.cpp
    }

    /** llama.cpp {@code llama_decode_text}: byte-level characters → bytes; others → "[UNK_BYTE_0x..]". */
    private static byte[] byteDecode(String t) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(t.length());
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            i += Character.charCount(cp);
            int b = ByteUnicode.toByte(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder sb = new StringBuilder("[UNK_BYTE_0x");
                for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) sb.append(String.format("%02x", x & 0xFF));
                sb.append(t).append(']');
                out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    /** {@code decode(ids, false)}: control tokens (BOS, EOS, ...) render as nothing. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Text of a token sequence as {@code llama_detokenize(remove_special = false, unparse_special = special)}. */
    public String decode(int[] ids, boolean special) {
        return new String(decodeBytes(ids, special), StandardCharsets.UTF_8);
    }

    /** The bytes of {@link #decode(int[], boolean)}, before UTF-8 decoding. */
    public byte[] decodeBytes(int[] ids, boolean special) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean removeSpace = v.addSpacePrefix; // strip the space the encoder prefixed to the first text
        for (int id : ids) {
            byte[] p = pieceRef(check(id), special);
            int skip = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
            removeSpace = false;
        }
        byte[] text = out.toByteArray();
        return v.cleanSpaces ? cleanSpaces(text) : text;
    }

    /** llama.cpp's clean_up_tokenization_spaces passes (" ?", " !", " .", " ,"; " ' "; " 's", " 'm", " 're", " 've"). */
    static byte[] cleanSpaces(byte[] text) {
        int total = text.length;
        // pass 1
        int t1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < t1; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
            text[total++] = x;
        }
        // pass 2
        int t2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < t2; i++) {
            byte x = text[i];
            if (x == '\'' && i + 1 < t2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }
        // pass 3
        int t3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < t3; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < t3) {
                byte x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < t3) {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
                }
            }
            text[total++] = x;
        }
        return Arrays.copyOf(text, total);
    }

    /** A decoder for a generated stream: feed ids, get text made only of complete UTF-8 sequences. */
    public StreamingDecoder streamingDecoder(boolean special) {
        return new StreamingDecoder(this, special);
    }

    private int check(int id) {
        if (id < 0 || id >= v.size()) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (v.size() - 1) + ")");
        return id;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + v.model + ", pre " + v.pre + ", " + v.size() + " tokens, bos " + v.bos + ", eos " + v.eos + "]";
    }
}
