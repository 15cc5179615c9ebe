package dev.jmoe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TokenizeCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void idsWithBosAsLlamaCompletionTokenizes() {
        Path m = SharedModels.require("stories260K.gguf");
        Run r = run("tokenize", "-m", m.toString(), "Once upon a time");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("[1, 403, 407, 261, 378]"); // stories260K.once.json prompt_ids
        assertThat(run("tokenize", "-m", m.toString(), "--no-bos", "Once upon a time").out().strip()).isEqualTo("[403, 407, 261, 378]");
    }

    @Test
    void piecesFromFileOnVocabOnlyGguf(@TempDir Path dir) throws Exception {
        Path m = SharedModels.require("vocab/ggml-vocab-qwen2.gguf");
        Path f = dir.resolve("t.txt");
        Files.writeString(f, "<|im_start|>Hi");
        Run r = run("tokenize", "-m", m.toString(), "-f", f.toString(), "--pieces");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(2);
        assertThat(r.out().lines().findFirst().orElseThrow()).endsWith(" -> '<|im_start|>'");
    }

    @Test
    void clearErrors() {
        Run r = run("tokenize", "-m", "/nonexistent.gguf", "x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("jmoe tokenize:").contains("/nonexistent.gguf");
    }
}
