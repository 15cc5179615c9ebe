package dev.jmoe.model.tokenizer;

import java.util.regex.Pattern;

/**
 * Rewrites the Python string methods that Hugging Face chat templates call (Jinja2 runs on Python objects) into what
 * Jinjava can evaluate on Java strings. Only code inside {@code {{ }}} and {@code {% %}} is touched, never string
 * literals or template text.
 * <ul>
 *   <li>{@code .startswith(x)} / {@code .endswith(x)} → {@code .startsWith(x)} / {@code .endsWith(x)}</li>
 *   <li>{@code .lstrip()} / {@code .rstrip()} → {@code .stripLeading()} / {@code .stripTrailing()}
 *       ({@code .strip()} exists on Java strings as is)</li>
 *   <li>{@code .upper()} / {@code .lower()} → {@code .toUpperCase()} / {@code .toLowerCase()}</li>
 *   <li>{@code .split('lit')} → {@code .split('<regex-quoted lit>', -1)}: Python splits on the literal text and keeps
 *       trailing empty parts, Java's split takes a regex and drops them</li>
 * </ul>
 * Python string methods with other argument shapes (e.g. {@code .split()} on whitespace, {@code .strip('x')}) are not
 * rewritten; Jinjava then reports the method it could not find, which {@link ChatTemplate} turns into a clear error.
 */
final class Pythonisms {
    private Pythonisms() {}

    static String rewrite(String tmpl) {
        StringBuilder out = new StringBuilder(tmpl.length() + 32);
        int i = 0;
        while (i < tmpl.length()) {
            int open = nextOpen(tmpl, i);
            if (open < 0) {
                out.append(tmpl, i, tmpl.length());
                break;
            }
            out.append(tmpl, i, open + 2);
            String close = tmpl.charAt(open + 1) == '{' ? "}}" : tmpl.charAt(open + 1) == '%' ? "%}" : "#}";
            int end = findClose(tmpl, open + 2, close);
            if (end < 0) {
                out.append(tmpl, open + 2, tmpl.length());
                break;
            }
            String code = tmpl.substring(open + 2, end);
            out.append(close.equals("#}") ? code : rewriteCode(code)).append(close);
            i = end + 2;
        }
        return out.toString();
    }

    private static int nextOpen(String t, int from) {
        for (int k = from; k + 1 < t.length(); k++) {
            if (t.charAt(k) == '{' && (t.charAt(k + 1) == '{' || t.charAt(k + 1) == '%' || t.charAt(k + 1) == '#')) return k;
        }
        return -1;
    }

    /** The close delimiter, skipping string literals. */
    private static int findClose(String t, int from, String close) {
        char quote = 0;
        for (int k = from; k + 1 < t.length(); k++) {
            char c = t.charAt(k);
            if (quote != 0) {
                if (c == '\\') k++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == close.charAt(0) && t.charAt(k + 1) == close.charAt(1)) {
                return k;
            }
        }
        return -1;
    }

    private static String rewriteCode(String code) {
        StringBuilder sb = new StringBuilder(code.length() + 16);
        char quote = 0;
        for (int k = 0; k < code.length(); k++) {
            char c = code.charAt(k);
            if (quote != 0) {
                sb.append(c);
                if (c == '\\' && k + 1 < code.length()) sb.append(code.charAt(++k));
                else if (c == quote) quote = 0;
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                sb.append(c);
                continue;
            }
            if (c == '.') {
                String rest = code.substring(k);
                String rep = null;
                int skip = 0;
                for (String[] m : METHODS) {
                    if (rest.startsWith(m[0])) {
                        rep = m[1];
                        skip = m[0].length();
                        break;
                    }
                }
                if (rep == null) {
                    var sm = SPLIT.matcher(rest);
                    if (sm.lookingAt()) {
                        String lit = unescape(sm.group(2));
                        String q = sm.group(1);
                        rep = ".split(" + q + escapeFor(Pattern.quote(lit), q.charAt(0)) + q + ", -1)";
                        skip = sm.end();
                    }
                }
                if (rep != null) {
                    sb.append(rep);
                    k += skip - 1;
                    continue;
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static final String[][] METHODS = {
            {".startswith(", ".startsWith("}, {".endswith(", ".endsWith("},
            {".lstrip()", ".stripLeading()"}, {".rstrip()", ".stripTrailing()"},
            {".upper()", ".toUpperCase()"}, {".lower()", ".toLowerCase()"},
    };

    private static final Pattern SPLIT = Pattern.compile("\\.split\\(\\s*(['\"])((?:\\\\.|(?!\\1).)*)\\1\\s*\\)");

    /** Jinja string-literal escapes → the characters they stand for. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Back into a Jinja string literal delimited by {@code quote}. */
    private static String escapeFor(String s, char quote) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c == quote) b.append('\\');
                    b.append(c);
                }
            }
        }
        return b.toString();
    }
}
