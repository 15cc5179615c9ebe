package dev.jmoe.cli;

import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.generate.SamplerParams;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jmoe chat}: an interactive multi-turn chat through the model's chat template. */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Interactive multi-turn chat: each line you type is a user message, the answer streams as it is "
                + "generated, followed by its tok/s. Commands: /reset (new conversation), /stats (last answer's timings), "
                + "/exit (or Ctrl-D).",
                "In a terminal the line editor (JLine) keeps a history (up/down arrows, ~/.jmoe_chat_history). "
                        + "<think>...</think> sections are shown dimmed, or dropped with --hide-think.",
                "Each turn re-renders the whole conversation and prefills it again from an empty cache."})
public final class ChatCommand implements Callable<Integer> {

    /** Lines to read instead of the terminal; tests set it. */
    Reader input;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file")
    Path model;

    @Option(names = "--system", paramLabel = "TEXT", description = "system prompt")
    String system;

    @Option(names = "--chat-template", paramLabel = "NAME|FILE",
            description = "built-in template name or Jinja file (default: the model's tokenizer.chat_template)")
    String chatTemplate;

    @Option(names = "--hide-think", description = "do not show <think>...</think> sections")
    boolean hideThink;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "1024",
            description = "most tokens per answer (default: ${DEFAULT-VALUE})")
    int nPredict;

    @Option(names = "--temp", paramLabel = "T", defaultValue = "0.8", description = "temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", defaultValue = "-1",
            description = "RNG seed, 0..4294967295; -1 = random (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-c", "--ctx"}, paramLabel = "C", defaultValue = "4096", description = "context length (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = {"-t", "--threads"}, paramLabel = "T", description = "kernel threads (default: the available processors)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (nPredict < 1) throw new IllegalArgumentException("-n must be >= 1, got " + nPredict);
        if (ctx < 1) throw new IllegalArgumentException("--ctx must be >= 1, got " + ctx);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (Float.isNaN(temperature) || temperature < 0) throw new IllegalArgumentException("--temp must be >= 0, got " + temperature);
        if (seed < -1 || seed > 0xffffffffL) {
            throw new IllegalArgumentException("--seed must be in 0..4294967295 (or -1 for random), got " + seed);
        }
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("model file not found: " + model);
        Backends.ChatText text = Backends.chatText(model, chatTemplate);
        long usedSeed = seed >= 0 ? seed : ThreadLocalRandom.current().nextLong(1L << 32);
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        int batch = Math.min(512, ctx);
        SamplerParams sp = new SamplerParams(temperature, SamplerParams.DEFAULT_TOP_K, SamplerParams.DEFAULT_TOP_P,
                SamplerParams.DEFAULT_MIN_P, SamplerParams.DEFAULT_REPEAT_PENALTY, 0f, 0f,
                SamplerParams.DEFAULT_PENALTY_LAST_N, usedSeed, 0);
        long t0 = System.nanoTime();
        try (LanguageModel lm = Backends.load(new LoadRequest(model, ctx, batch, nThreads, null, CacheType.F32))) {
            spec.commandLine().getErr().printf(java.util.Locale.ROOT, "loaded %s in %.2f s, chat template %s%n",
                    model.getFileName(), (System.nanoTime() - t0) / 1e9, text.template().name());
            spec.commandLine().getErr().flush();
            if (input != null || System.console() == null) {
                PrintWriter out = spec.commandLine().getOut();
                BufferedReader in = new BufferedReader(input != null ? input : new InputStreamReader(System.in, StandardCharsets.UTF_8));
                ChatSession session = new ChatSession(lm, text.tokenizer(), text.template(), system, sp, nPredict, batch);
                new ChatRepl(session, out, hideThink).run(prompt -> in.readLine());
            } else {
                try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
                    LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("jmoe")
                            .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".jmoe_chat_history"))
                            .build();
                    ChatSession session = new ChatSession(lm, text.tokenizer(), text.template(), system, sp, nPredict, batch);
                    new ChatRepl(session, terminal.writer(), hideThink).run(prompt -> readLine(reader, prompt));
                    reader.getHistory().save();
                }
            }
        }
        return 0;
    }

    /** A line from the editor: Ctrl-C at the prompt clears the line, Ctrl-D ends the chat. */
    private static String readLine(LineReader reader, String prompt) {
        try {
            return reader.readLine(prompt);
        } catch (UserInterruptException e) {
            return "";
        } catch (EndOfFileException e) {
            return null;
        }
    }
}
