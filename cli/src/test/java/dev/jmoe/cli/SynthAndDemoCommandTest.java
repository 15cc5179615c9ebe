package dev.jmoe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgufFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SynthAndDemoCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void synthWritesTheShape() {
        Path f = dir.resolve("m.gguf");
        Run r = run("synth", "--shape", "mixtral-tiny", "--layers", "2", "--type", "F16", "--seed", "9", "-o", f.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + f).contains("mixtral-tiny").contains("F16");
        assertThat(r.err()).contains("MB/s");
        try (GgufFile g = GgufFile.open(f)) {
            assertThat(g.metadata().getLong("llama.block_count")).isEqualTo(2);
            assertThat(g.metadata().getLong("general.file_type")).isEqualTo(1);
        }
    }

    @Test
    void headerOnlyAndErrors() {
        Path f = dir.resolve("v3.gguf");
        Run r = run("synth", "--shape", "deepseek-v3", "--header-only", "--type", "Q8_0", "-o", f.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("671.0 B parameters").contains("header only");

        Run bad = run("synth", "--shape", "nope", "-o", f.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).startsWith("jmoe synth: unknown shape 'nope'").contains("dsv3-tiny");
        Run mix = run("synth", "--shape", "dsv3-tiny", "--type", "Q4_K_M", "-o", dir.resolve("m.gguf").toString());
        assertThat(mix.code()).as(mix.err()).isZero();
        assertThat(mix.out()).contains("Q4_K_M");
        Run unknown = run("synth", "--shape", "dsv3-tiny", "--type", "Q9_X", "-o", dir.resolve("u.gguf").toString());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown type 'Q9_X'").contains("Q8_0");
        assertThat(run("synth", "--list").out()).contains("deepseek-v3").contains("671.0 B");
    }

    @Test
    void demoSynthesizesOnceThenReusesTheCachedModel() throws Exception {
        Run first = run("demo", "--dir", dir.toString());
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("synthesized").contains("2,726,960").contains("deepseek2").contains("16 routed, 4 used");
        assertThat(first.out()).contains("FITS in memory").contains("bound by RAM bandwidth")   // the planner step
                .containsPattern("32 generated at [0-9.]+ tok/s")                                   // the engine step
                .containsPattern("pp64 [0-9.]+ tok/s.*tg32 [0-9.]+ tok/s");                          // the measurement
        Path model = dir.resolve("dsv3-tiny-F32-seed1234.gguf");
        long modified = Files.getLastModifiedTime(model).toMillis();
        Run second = run("demo", "--dir", dir.toString());
        assertThat(second.out()).contains("cached: " + model);
        assertThat(Files.getLastModifiedTime(model).toMillis()).isEqualTo(modified);
    }
}
