package dev.jmoe.cli;

import dev.jmoe.model.LoadOptions.CacheType;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.generate.SamplerParams;
import dev.jmoe.model.tokenizer.ChatMessage;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ChatCommandTest {

    private static LanguageModel load(Path f) {
        return Backends.load(new LoadRequest(f, 512, 64, 1, null, CacheType.F32));
    }

    @Test
    void twoTurnsStreamAndKeepHistoryResetClearsItExitEnds() throws Exception {
        Path stories = SharedModels.require("stories260K.gguf");
        Backends.ChatText t = Backends.chatText(stories, "chatml");
        try (LanguageModel lm = load(stories)) {
            ChatSession s = new ChatSession(lm, t.tokenizer(), t.template(), "Be brief.", SamplerParams.defaults(7), 12, 64);
            StringWriter sw = new StringWriter();
            ChatRepl repl = new ChatRepl(s, new PrintWriter(sw, true), false);
            List<String> streamed = new java.util.ArrayList<>();
            Queue<String> lines = new ArrayDeque<>(List.of("Once upon a time", "/stats", "What next?", "/bogus", "/exit", "never read"));
            int[] turnsSeen = new int[1];
            int answers = repl.run(prompt -> {
                // the history as the model sees it before each line is read
                if (lines.peek() != null && lines.peek().equals("What next?")) {
                    assertThat(s.messages()).hasSize(3);
                    assertThat(s.promptFor("What next?")).startsWith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nOnce upon a time<|im_end|>\n<|im_start|>assistant\n")
                            .endsWith("<|im_start|>user\nWhat next?<|im_end|>\n<|im_start|>assistant\n");
                    turnsSeen[0]++;
                }
                return lines.poll();
            });
            assertThat(answers).isEqualTo(2);
            assertThat(turnsSeen[0]).isEqualTo(1);
            assertThat(lines).containsExactly("never read"); // /exit ended the loop
            String out = sw.toString();
            // two answers, each followed by its speed line; /stats printed the full timings
            assertThat(out.split("\\[12 tokens, [0-9.]+ tok/s; prompt \\d+ tokens in [0-9.]+ s(, \\d+ cached)?]", -1)).hasSize(3);
            assertThat(out).contains("generation     12 tokens in").contains("stopped by     max tokens");
            assertThat(out).contains("unknown command /bogus");
            // the assistant turns hold the generated text, which was streamed to out
            List<ChatMessage> ms = s.messages();
            assertThat(ms).extracting(ChatMessage::role).containsExactly("system", "user", "assistant", "user", "assistant");
            assertThat(ms.get(2).content()).isNotBlank();
            assertThat(out).contains(ms.get(2).content()).contains(ms.get(4).content());
            assertThat(s.last().promptIds().length).isGreaterThan(s.last().generatedIds().length + 20); // turn 2's prompt holds turn 1
            // turn 2 prefilled only what follows the cached prefix (system, turn 1's prompt, most of its answer)
            int cached = s.last().stats().cachedTokens();
            assertThat(cached).isGreaterThan(20);
            assertThat(s.last().stats().promptTokens()).isEqualTo(s.last().promptIds().length - cached);
            assertThat(out).contains(", " + cached + " cached]");

            s.reset();
            assertThat(s.messages()).extracting(ChatMessage::role).containsExactly("system");
            assertThat(s.last()).isNull();
        }
    }

    @Test
    void aTurnAfterTheCachedPrefixAnswersAsAFullPrefillDoes() {
        Path stories = SharedModels.require("stories260K.gguf");
        Backends.ChatText t = Backends.chatText(stories, "chatml");
        try (LanguageModel lm = load(stories)) {
            ChatSession s = new ChatSession(lm, t.tokenizer(), t.template(), null, SamplerParams.greedy(), 24, 64);
            s.ask("Once upon a time", false, piece -> {});
            s.ask("Then what?", false, piece -> {});
            var turn2 = s.last();
            assertThat(turn2.stats().cachedTokens()).isGreaterThan(0);
            var fresh = new dev.jmoe.model.generate.Generator(lm).generate(turn2.promptIds(),
                    new dev.jmoe.model.generate.GenerationConfig(24, 64, t.tokenizer().eosIds(), List.of(), null),
                    SamplerParams.greedy().build(lm.vocabSize()), null);
            assertThat(fresh.stats().cachedTokens()).isZero();
            assertThat(turn2.generatedIds()).containsExactly(fresh.generatedIds());
        }
    }

    @Test
    void commandReadsLinesAndResetStartsOver() {
        Path stories = SharedModels.require("stories260K.gguf");
        CommandLine cl = Main.commandLine();
        ChatCommand chat = (ChatCommand) cl.getSubcommands().get("chat").getCommand();
        chat.input = new StringReader("Hello\n/reset\n/stats\nHi again\n");  // ends at end of input, no /exit
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        int rc = cl.execute("chat", "-m", stories.toString(), "--chat-template", "chatml", "-n", "8", "--temp", "0",
                "--ctx", "256", "-t", "1");
        assertThat(rc).isZero();
        assertThat(out.toString()).contains("(new conversation)").contains("(no answer yet)");
        assertThat(out.toString().split("\\[8 tokens, ", -1)).hasSize(3);
    }

    @Test
    void badTemplateIsAOneLineError() {
        Path stories = SharedModels.require("stories260K.gguf");
        CliRun r = CliRun.run(null, "chat", "-m", stories.toString(), "--chat-template", "no-such-template");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("jmoe chat: 'no-such-template' is neither a built-in chat template nor a file");
    }

    @Test
    void runChatWrapsThePromptInTheTemplate() {
        Path stories = SharedModels.require("stories260K.gguf");
        CliRun plain = CliRun.run(null, "run", "-m", stories.toString(), "-p", "Hi", "-n", "1", "--json", "-t", "1");
        CliRun chat = CliRun.run(null, "run", "-m", stories.toString(), "-p", "Hi", "--chat", "--chat-template", "chatml",
                "-n", "1", "--json", "-t", "1");
        assertThat(plain.exit()).isZero();
        assertThat(chat.exit()).as(chat.err()).isZero();
        Backends.ChatText t = Backends.chatText(stories, "chatml");
        int[] expected = t.tokenizer().encode("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", true, true);
        assertThat(chat.out()).contains("\"prompt_ids\":" + java.util.Arrays.toString(expected).replace(" ", ""));
        assertThat(plain.out()).doesNotContain("\"prompt_ids\":" + java.util.Arrays.toString(expected).replace(" ", ""));
    }
}
