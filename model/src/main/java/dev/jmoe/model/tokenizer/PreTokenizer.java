package dev.jmoe.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before byte-level BPE, exactly as llama.cpp's {@code unicode_regex_split} (src/unicode.cpp)
 * does: a list of regexes applied in turn, each one splitting every piece the previous one produced (the text between
 * two matches stays a piece of its own). Two regexes (GPT-2's and Llama-3's) have hand-written splitters there, mirrored
 * here by {@link #gpt2} and {@link #llama3}. The others run as regexes, on the same text llama.cpp feeds {@code std::regex}:
 * <ul>
 *   <li>a regex that names a unicode category ({@code \p{L}} ...) runs on a "collapsed" text in which every code point
 *       ≥ 128 becomes one character standing for its category (whitespace → U+000B, N → U+00D1, L → U+00D2,
 *       P → U+00D3, M → U+00D4, S → U+00D5, others → U+00D0), and each {@code \p{X}} becomes
 *       {@code [<that char><ASCII members>]} with llama.cpp's ASCII member lists (P: {@code !-#%-*,-/:-;?-@[-]_{}},
 *       S: {@code $+<=>^`|~}; older llama.cpp left {@code ~} out of S, current llama.cpp and the build the tests were
 *       frozen from have it);</li>
 *   <li>other regexes run on the code points, with non-ASCII whitespace replaced by U+000B (std::wregex's {@code \s}
 *       is ASCII-only).</li>
 * </ul>
 * ECMAScript and java.util.regex agree on everything these patterns use (leftmost alternation, greedy quantifiers,
 * {@code (?!..)}, ASCII {@code \s}) once {@code $} is written {@code \z}.
 */
final class PreTokenizer {
    /** One splitting step: the piece lengths (in code points) that split the given pieces further. */
    private interface Step {
        void split(Text text, int[] pieces, int n, IntList out);
    }

    private final List<Step> steps;
    private final String name;

    private PreTokenizer(String name, List<Step> steps) {
        this.name = name;
        this.steps = steps;
    }

    @Override
    public String toString() {
        return name;
    }

    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The regex list of llama.cpp's {@code llm_tokenizer_bpe} for a pre-tokenizer type (src/llama-vocab.cpp). */
    static PreTokenizer of(PreType type) {
        List<String> r = switch (type) {
            case LLAMA3, DBRX, SMAUG, CHATGLM4 -> List.of(LLAMA3);
            case DEEPSEEK_LLM -> List.of(
                    "[\r\n]",
                    "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43]+",
                    "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
                    "\\s+$",
                    "[一-龥ࠀ-一가-퟿]+",
                    "\\p{N}+");
            case DEEPSEEK3_LLM -> List.of(
                    "\\p{N}{1,3}",
                    "[一-龥぀-ゟ゠-ヿ]+",
                    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+");
            case DEEPSEEK_CODER -> List.of(
                    "[\r\n]",
                    "\\s?\\p{L}+",
                    "\\s?\\p{P}+",
                    "[一-龥ࠀ-一가-퟿]+",
                    "\\p{N}");
            case FALCON -> List.of(
                    "[\\p{P}\\$\\+<=>\\^~\\|`]+",
                    GPT2,
                    "[0-9][0-9][0-9]");
            case STARCODER -> List.of("\\p{N}", GPT2);
            case GPT2 -> List.of(GPT2);
            case QWEN2 -> List.of(
                    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
            case DEFAULT -> List.of(
                    "[\\p{P}\\$\\+<=>\\^~\\|]+",
                    GPT2,
                    "\\p{N}+",
                    "[0-9][0-9][0-9]");
        };
        return fromRegexes(type.name().toLowerCase(java.util.Locale.ROOT), r);
    }

    static PreTokenizer fromRegexes(String name, List<String> regexes) {
        List<Step> steps = new ArrayList<>();
        for (String re : regexes) {
            if (re.equals(GPT2)) steps.add(PreTokenizer::gpt2);
            else if (re.equals(LLAMA3)) steps.add(PreTokenizer::llama3);
            else steps.add(regexStep(re));
        }
        return new PreTokenizer(name, List.copyOf(steps));
    }

    /** Splits {@code cpts} into words; returns the words' lengths in code points (sum = cpts.length). */
    int[] split(int[] cpts) {
        Text text = new Text(cpts);
        int[] pieces = {cpts.length};
        int n = cpts.length == 0 ? 0 : 1;
        IntList out = new IntList(Math.max(16, cpts.length / 3));
        for (Step step : steps) {
            out.clear();
            step.split(text, pieces, n, out);
            pieces = out.toArray();
            n = pieces.length;
        }
        return pieces;
    }

    /** The subject text in its three forms, built lazily once per split. */
    static final class Text {
        final int[] cpts;
        private String collapsed;
        private String wide;
        private int[] cpToUtf16;
        private int[] utf16ToCp;

        Text(int[] cpts) {
            this.cpts = cpts;
        }

        int flags(int pos, int begin, int end) {
            return pos >= begin && pos < end ? Unicode.flags(cpts[pos]) : 0;
        }

        int cpt(int pos, int begin, int end) {
            return pos >= begin && pos < end ? cpts[pos] : -1;
        }

        String collapsed() {
            if (collapsed == null) {
                char[] c = new char[cpts.length];
                for (int i = 0; i < cpts.length; i++) {
                    int cp = cpts[i];
                    if (cp < 128) {
                        c[i] = (char) cp;
                        continue;
                    }
                    int f = Unicode.flags(cp);
                    if ((f & Unicode.WHITESPACE) != 0) c[i] = 0x0B;
                    else c[i] = switch (f & 0xFF) {
                        case Unicode.NUMBER -> 0xD1;
                        case Unicode.LETTER -> 0xD2;
                        case Unicode.PUNCTUATION -> 0xD3;
                        case Unicode.ACCENT_MARK -> 0xD4;
                        case Unicode.SYMBOL -> 0xD5;
                        default -> 0xD0;
                    };
                }
                collapsed = new String(c);
            }
            return collapsed;
        }

        String wide() {
            if (wide == null) {
                StringBuilder sb = new StringBuilder(cpts.length + 8);
                cpToUtf16 = new int[cpts.length + 1];
                for (int i = 0; i < cpts.length; i++) {
                    cpToUtf16[i] = sb.length();
                    int cp = cpts[i];
                    if (cp > 0x7F && Unicode.isWhitespace(cp)) cp = 0x0B;
                    sb.appendCodePoint(cp);
                }
                cpToUtf16[cpts.length] = sb.length();
                wide = sb.toString();
                utf16ToCp = new int[wide.length() + 1];
                for (int i = 0; i <= cpts.length; i++) utf16ToCp[cpToUtf16[i]] = i;
            }
            return wide;
        }
    }

    // ---- regex steps ---------------------------------------------------------------------------------------------

    private static final String[] UCAT = {"\\p{N}", "\\p{L}", "\\p{P}", "\\p{M}", "\\p{S}", "\\p{Lu}", "\\p{Ll}", "\\p{Lt}", "\\p{Lm}", "\\p{Lo}"};

    private static Step regexStep(String re) {
        boolean collapsed = false;
        for (String u : UCAT) collapsed |= re.contains(u);
        if (collapsed) {
            for (int i = 0; i < re.length(); i++) {
                if (re.charAt(i) >= 128) {
                    throw new IllegalArgumentException("regex mixes unicode categories and non-ASCII characters: " + re);
                }
            }
        }
        Pattern p = Pattern.compile(endAnchor(collapsed ? collapse(re) : re));
        boolean c = collapsed;
        return (text, pieces, n, out) -> {
            String subject = c ? text.collapsed() : text.wide();
            Matcher m = p.matcher(subject);
            int start = 0;
            for (int k = 0; k < n; k++) {
                int len = pieces[k];
                int b = c ? start : text.cpToUtf16[start];
                int e = c ? start + len : text.cpToUtf16[start + len];
                m.region(b, e);
                int prev = start;
                while (m.find()) {
                    int ms = c ? m.start() : text.utf16ToCp[m.start()];
                    int me = c ? m.end() : text.utf16ToCp[m.end()];
                    if (ms > prev) out.add(ms - prev);
                    if (me > ms) out.add(me - ms);
                    prev = me;
                }
                if (prev < start + len) out.add(start + len - prev);
                start += len;
            }
        };
    }

    /** llama.cpp's regex collapse: each {@code \p{X}} → {@code [<category char><ASCII members>]} (no brackets inside a class). */
    static String collapse(String re) {
        StringBuilder sb = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < re.length(); i++) {
            char ch = re.charAt(i);
            if (ch == '[' && (i == 0 || re.charAt(i - 1) != '\\')) {
                sb.append('[');
                inside = true;
                continue;
            }
            if (inside && ch == ']' && re.charAt(i - 1) != '\\') {
                sb.append(']');
                inside = false;
                continue;
            }
            if (ch == '\\' && i + 3 < re.length() && re.charAt(i + 1) == 'p' && re.charAt(i + 2) == '{') {
                int close = re.indexOf('}', i + 3);
                if (close >= 0 && close <= i + 10) {
                    String members = switch (re.substring(i, close + 1)) {
                        case "\\p{N}" -> "\u00D10-9";
                        case "\\p{L}", "\\p{Lu}", "\\p{Ll}", "\\p{Lt}", "\\p{Lm}", "\\p{Lo}" -> "\u00D2A-Za-z";
                        case "\\p{P}" -> "\u00D3!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
                        case "\\p{M}" -> "\u00D4";
                        case "\\p{S}" -> "\u00D5\\$\\+<->^`\\|~";
                        default -> null;
                    };
                    if (members != null) {
                        if (!inside) sb.append('[');
                        sb.append(members);
                        if (!inside) sb.append(']');
                        i = close;
                        continue;
                    }
                }
            }
            sb.append(ch);
        }
        return sb.toString();
    }

    /** ECMAScript's {@code $} (no multiline) matches only at the end; Java's also before a final line terminator. */
    private static String endAnchor(String re) {
        StringBuilder sb = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < re.length(); i++) {
            char ch = re.charAt(i);
            if (ch == '\\' && i + 1 < re.length()) {
                sb.append(ch).append(re.charAt(++i));
                continue;
            }
            if (ch == '[') inside = true;
            else if (ch == ']') inside = false;
            if (ch == '$' && !inside) sb.append("\\z");
            else sb.append(ch);
        }
        return sb.toString();
    }

    // ---- llama.cpp's hand-written splitters ----------------------------------------------------------------------

    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    static void gpt2(Text t, int[] pieces, int n, IntList out) {
        int start = 0;
        for (int k = 0; k < n; k++) {
            final int ini = start, end = start + pieces[k];
            start = end;
            int prevEnd = ini;
            int pos = ini;
            while (pos < end) {
                int cpt = t.cpt(pos, ini, end);
                int flags = t.flags(pos, ini, end);
                if (cpt == '\'' && pos + 1 < end) {
                    int next = t.cpt(pos + 1, ini, end);
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos = prevEnd = emit(out, prevEnd, pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int next2 = t.cpt(pos + 2, ini, end);
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                            pos = prevEnd = emit(out, prevEnd, pos + 3);
                            continue;
                        }
                    }
                }
                int flags2 = cpt == ' ' ? t.flags(pos + 1, ini, end) : flags;
                if (Unicode.isLetter(flags2)) {
                    if (cpt == ' ') pos++;
                    while (Unicode.isLetter(flags2)) flags2 = t.flags(++pos, ini, end);
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                if (Unicode.isNumber(flags2)) {
                    if (cpt == ' ') pos++;
                    while (Unicode.isNumber(flags2)) flags2 = t.flags(++pos, ini, end);
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                if (isOther(flags2)) {
                    if (cpt == ' ') pos++;
                    while (isOther(flags2)) flags2 = t.flags(++pos, ini, end);
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                int ws = 0;
                while (Unicode.isSpace(t.flags(pos + ws, ini, end))) ws++;
                if (ws > 1 && t.cpt(pos + ws, ini, end) != -1) { // \s+(?!\S)
                    pos += ws - 1;
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                if (ws > 0) {
                    pos += ws;
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                prevEnd = emit(out, prevEnd, ++pos);
            }
        }
    }

    /** Llama-3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}. */
    static void llama3(Text t, int[] pieces, int n, IntList out) {
        int start = 0;
        for (int k = 0; k < n; k++) {
            final int ini = start, end = start + pieces[k];
            start = end;
            int prevEnd = ini;
            int pos = ini;
            while (pos < end) {
                int cpt = t.cpt(pos, ini, end);
                int flags = t.flags(pos, ini, end);
                if (cpt == '\'' && pos + 1 < end) {
                    int next = asciiLower(t.cpt(pos + 1, ini, end));
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos = prevEnd = emit(out, prevEnd, pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int next2 = asciiLower(t.cpt(pos + 2, ini, end));
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                            pos = prevEnd = emit(out, prevEnd, pos + 3);
                            continue;
                        }
                    }
                }
                if (!(cpt == '\r' || cpt == '\n' || Unicode.isNumber(flags))) {
                    if (Unicode.isLetter(flags) || Unicode.isLetter(t.flags(pos + 1, ini, end))) {
                        pos++;
                        while (Unicode.isLetter(t.flags(pos, ini, end))) pos++;
                        prevEnd = emit(out, prevEnd, pos);
                        continue;
                    }
                }
                if (Unicode.isNumber(flags)) {
                    int i0 = pos;
                    while (Unicode.isNumber(t.flags(pos, ini, end))) {
                        if (++pos - i0 >= 3) {
                            prevEnd = emit(out, prevEnd, pos);
                            i0 = pos;
                        }
                    }
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                int flags2 = cpt == ' ' ? t.flags(pos + 1, ini, end) : flags;
                // llama.cpp tests the current code point's flags for "in range" here, flags2 in the loop
                if (!(Unicode.isSpace(flags2) || Unicode.isLetter(flags2) || Unicode.isNumber(flags2)) && flags != 0) {
                    if (cpt == ' ') pos++;
                    while (isOther(flags2)) flags2 = t.flags(++pos, ini, end);
                    int c2 = t.cpt(pos, ini, end);
                    while (c2 == '\r' || c2 == '\n') c2 = t.cpt(++pos, ini, end);
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                int ws = 0;
                int lastRn = 0;
                while (Unicode.isSpace(t.flags(pos + ws, ini, end))) {
                    int c2 = t.cpt(pos + ws, ini, end);
                    if (c2 == '\r' || c2 == '\n') lastRn = pos + ws + 1;
                    ws++;
                }
                if (lastRn > 0) { // \s*[\r\n]+
                    pos = lastRn;
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                if (ws > 1 && t.cpt(pos + ws, ini, end) != -1) {
                    pos += ws - 1;
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                if (ws > 0) {
                    pos += ws;
                    prevEnd = emit(out, prevEnd, pos);
                    continue;
                }
                prevEnd = emit(out, prevEnd, ++pos);
            }
        }
    }

    /** {@code [^\s\p{L}\p{N}]} for a code point inside the piece (flags 0 = outside). */
    private static boolean isOther(int flags) {
        return flags != 0 && (flags & (Unicode.WHITESPACE | Unicode.LETTER | Unicode.NUMBER)) == 0;
    }

    private static int asciiLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    /** Emits the piece [prevEnd, end) if non-empty; returns the new prevEnd (= end). */
    private static int emit(IntList out, int prevEnd, int end) {
        if (end > prevEnd) out.add(end - prevEnd);
        return end;
    }
}
