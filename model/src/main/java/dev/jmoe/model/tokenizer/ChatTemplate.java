package dev.jmoe.model.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.jmoe.gguf.GgufMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Hugging Face style Jinja chat template ({@code tokenizer.chat_template}, or a built-in one), rendered with Jinjava
 * under the settings transformers' {@code apply_chat_template} uses: {@code trim_blocks} and {@code lstrip_blocks} on,
 * a single trailing newline of the template dropped, undefined names lenient. The context holds {@code messages},
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and whatever extra variables the caller passes
 * (e.g. {@code tools}). Helpers HF templates call: {@code raise_exception(msg)}, {@code strftime_now(fmt)} and the
 * Python string methods {@link Pythonisms} maps to Java ones.
 */
public final class ChatTemplate {
    private static final List<String> BUILTIN = List.of("chatml", "deepseek-r1", "deepseek3", "llama3", "mistral");

    private final String name;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    private ChatTemplate(String name, String source, String bosToken, String eosToken) {
        this.name = name;
        // Jinja2's default keep_trailing_newline=False
        this.source = Pythonisms.rewrite(source.endsWith("\n") ? source.substring(0, source.length() - 1) : source);
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                // Jinja2 semantics: {{- -}} trims, dicts iterate by key and print as Python (Jinjava's "natural operator
                // precedence" is left off: it reads `not x is defined` as `(not x) is defined`)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUsePyishObjectMapper(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    }

    /** The names {@link #builtin} knows. */
    public static List<String> builtinNames() {
        return BUILTIN;
    }

    /** A template shipped with jmoe: one of {@link #builtinNames()}. */
    public static ChatTemplate builtin(String name, String bosToken, String eosToken) {
        if (!BUILTIN.contains(name)) throw new ChatTemplateException("no built-in chat template '" + name + "' (built-in: " + String.join(", ", BUILTIN) + ")");
        try (InputStream in = ChatTemplate.class.getResourceAsStream("templates/" + name + ".jinja")) {
            if (in == null) throw new IllegalStateException("resource templates/" + name + ".jinja is missing from the jar");
            return new ChatTemplate(name, new String(in.readAllBytes(), StandardCharsets.UTF_8), bosToken, eosToken);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A template from its Jinja source. */
    public static ChatTemplate of(String source, String bosToken, String eosToken) {
        return new ChatTemplate("custom", source, bosToken, eosToken);
    }

    /** The model's own template ({@code tokenizer.chat_template}), with its BOS/EOS token texts. */
    public static ChatTemplate forModel(GgufMetadata md, Tokenizer tok) {
        if (!md.has("tokenizer.chat_template")) {
            throw new ChatTemplateException("the model has no tokenizer.chat_template; choose one with --chat-template NAME|FILE (built-in: "
                    + String.join(", ", BUILTIN) + ")");
        }
        return new ChatTemplate("tokenizer.chat_template", md.getString("tokenizer.chat_template"), text(tok, tok.bosId()), text(tok, tok.eosId()));
    }

    /** {@code --chat-template NAME|FILE}: a built-in name, or a file holding a Jinja template. */
    public static ChatTemplate resolve(String nameOrFile, Tokenizer tok) {
        String bos = tok == null ? "" : text(tok, tok.bosId()), eos = tok == null ? "" : text(tok, tok.eosId());
        if (BUILTIN.contains(nameOrFile)) return builtin(nameOrFile, bos, eos);
        Path p = Path.of(nameOrFile);
        if (Files.isRegularFile(p)) {
            try {
                return new ChatTemplate(p.toString(), Files.readString(p, StandardCharsets.UTF_8), bos, eos);
            } catch (IOException e) {
                throw new ChatTemplateException("cannot read chat template file " + p + ": " + e.getMessage(), e);
            }
        }
        throw new ChatTemplateException("'" + nameOrFile + "' is neither a built-in chat template nor a file (built-in: " + String.join(", ", BUILTIN) + ")");
    }

    private static String text(Tokenizer tok, int id) {
        return id < 0 ? "" : tok.tokenText(id);
    }

    public String name() {
        return name;
    }

    /** Renders the conversation; with {@code addGenerationPrompt} the text ends where the assistant's answer begins. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * The prompt text to tokenize with {@code tokenizer.encode(text, true, true)}: as {@link #render(List, boolean)},
     * minus a leading BOS text when the tokenizer adds BOS itself and a trailing EOS text when it adds EOS, so the
     * prompt does not start with two BOS tokens (llama.cpp's common/chat.cpp strips them the same way).
     */
    public String renderPrompt(List<ChatMessage> messages, boolean addGenerationPrompt, Tokenizer tokenizer) {
        String r = render(messages, addGenerationPrompt);
        if (tokenizer.addsBos() && !bosToken.isEmpty() && r.startsWith(bosToken)) r = r.substring(bosToken.length());
        if (tokenizer.addsEos() && !eosToken.isEmpty() && r.endsWith(eosToken)) r = r.substring(0, r.length() - eosToken.length());
        return r;
    }

    /** As {@link #render(List, boolean)}, with extra template variables (e.g. {@code tools}). */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
        Map<String, Object> ctx = new HashMap<>(extra);
        List<Map<String, Object>> ms = new ArrayList<>();
        for (ChatMessage m : messages) ms.add(m.asMap());
        ctx.put("messages", ms);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", bosToken);
        ctx.put("eos_token", eosToken);
        RAISED_MESSAGE.remove();
        RenderResult r;
        try {
            r = jinjava.renderForResult(source, ctx);
        } catch (RuntimeException e) {
            throw new ChatTemplateException(describe(e.getMessage()), e);
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String where = e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : "";
                throw new ChatTemplateException(describe(e.getMessage()) + where);
            }
        }
        return r.getOutput();
    }

    private String describe(String jinjavaMessage) {
        String msg = jinjavaMessage == null ? "unknown error" : jinjavaMessage;
        String raised = RAISED_MESSAGE.get();
        if (raised != null) {
            RAISED_MESSAGE.remove();
            return "chat template " + name + " raised: " + raised;
        }
        return "chat template " + name + " cannot be rendered: " + msg + " (built-in templates: " + String.join(", ", BUILTIN) + ")";
    }

    /** Jinjava reports a function's exception without its message: raise_exception leaves it here. */
    private static final ThreadLocal<String> RAISED_MESSAGE = new ThreadLocal<>();

    /** {@code raise_exception(msg)}: templates call it to reject a conversation. */
    public static Object raiseException(String message) {
        RAISED_MESSAGE.set(message);
        throw new IllegalArgumentException(message);
    }

    /** {@code strftime_now(fmt)}: the local time formatted with Python's strftime directives (the common ones). */
    public static String strftimeNow(String fmt) {
        ZonedDateTime t = ZonedDateTime.now();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 == fmt.length()) {
                sb.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            sb.append(switch (d) {
                case 'Y' -> String.valueOf(t.getYear());
                case 'y' -> String.format("%02d", t.getYear() % 100);
                case 'm' -> String.format("%02d", t.getMonthValue());
                case 'd' -> String.format("%02d", t.getDayOfMonth());
                case 'e' -> String.format("%2d", t.getDayOfMonth());
                case 'H' -> String.format("%02d", t.getHour());
                case 'I' -> String.format("%02d", (t.getHour() + 11) % 12 + 1);
                case 'M' -> String.format("%02d", t.getMinute());
                case 'S' -> String.format("%02d", t.getSecond());
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'j' -> String.format("%03d", t.getDayOfYear());
                case 'B' -> t.getMonth().getDisplayName(java.time.format.TextStyle.FULL, Locale.ENGLISH);
                case 'b' -> t.getMonth().getDisplayName(java.time.format.TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(java.time.format.TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(java.time.format.TextStyle.SHORT, Locale.ENGLISH);
                case '%' -> "%";
                default -> "%" + d;
            });
        }
        return sb.toString();
    }
}
