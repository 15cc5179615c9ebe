package dev.jmoe.cli;

import dev.jmoe.model.generate.Generation;
import dev.jmoe.model.generate.GenerationStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The chat loop, independent of the terminal: reads a line from a {@link LineSource} (JLine in a terminal, a plain
 * reader in tests and pipes), runs the commands {@code /reset}, {@code /stats}, {@code /exit}, or asks the model and
 * streams the answer to {@code out}, then prints the answer's speed.
 */
final class ChatRepl {

    /** One line of input; null at the end of input (Ctrl-D). */
    @FunctionalInterface
    interface LineSource {
        String readLine(String prompt) throws IOException;
    }

    static final String PROMPT = "> ";

    private final ChatSession session;
    private final PrintWriter out;
    private final boolean hideThink;

    ChatRepl(ChatSession session, PrintWriter out, boolean hideThink) {
        this.session = session;
        this.out = out;
        this.hideThink = hideThink;
    }

    /** Runs until {@code /exit} or the end of input; returns the number of answers given. */
    int run(LineSource in) throws IOException {
        out.println("Chat: /reset starts over, /stats shows the last answer's timings, /exit (or Ctrl-D) quits.");
        out.flush();
        int answers = 0;
        String line;
        while ((line = in.readLine(PROMPT)) != null) {
            String cmd = line.strip();
            if (cmd.isEmpty()) continue;
            switch (cmd) {
                case "/exit", "/quit" -> {
                    out.flush();
                    return answers;
                }
                case "/reset" -> {
                    session.reset();
                    out.println("(new conversation)");
                }
                case "/stats" -> printStats();
                default -> {
                    if (cmd.startsWith("/")) {
                        out.println("unknown command " + cmd + " (commands: /reset, /stats, /exit)");
                    } else if (answer(line)) {
                        answers++;
                    }
                }
            }
            out.flush();
        }
        out.println();
        out.flush();
        return answers;
    }

    private boolean answer(String user) {
        try {
            Generation g = session.ask(user, hideThink, piece -> {
                out.print(piece);
                out.flush();
            });
            out.println();
            out.println(speedLine(g.stats()));
            return true;
        } catch (IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            return false;
        }
    }

    static String speedLine(GenerationStats s) {
        Double tps = s.generationTokensPerSecond();
        return String.format(Locale.ROOT, "[%d tokens, %s tok/s; prompt %d tokens in %.2f s%s]", s.generatedTokens(),
                tps == null ? "n/a" : String.format(Locale.ROOT, "%.2f", tps), s.promptTokens(), s.promptSeconds(),
                s.cachedTokens() > 0 ? ", " + s.cachedTokens() + " cached" : "");
    }

    private void printStats() {
        Generation g = session.last();
        if (g == null) {
            out.println("(no answer yet)");
            return;
        }
        RunCommand.printStats(out, g);
    }
}
