package dev.jmoe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PlanCommandTest {
    record Run(int rc, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    void answersTheSeedQuestion() {
        Run r = run("plan", "deepseek-v3", "-q", "q4_k_m", "--gpu", "rtx4090", "--cpu", "xeon-6454s", "--ram", "384G");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("FITS in memory").contains("tok/s at batch 1, bound by RAM bandwidth");
    }

    @Test
    void jsonParsesAndCountedGpusWork() throws Exception {
        Run r = run("plan", "deepseek-v3", "--gpus", "4x", "rtx4090", "--policy", "all-gpu", "--json");
        assertThat(r.rc()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("runs").asBoolean()).isFalse();
        assertThat(j.get("hardware").asText()).startsWith("4× rtx4090");
        assertThat(j.get("memory_per_node").get("gpu").get("used_bytes").asLong()).isGreaterThan(300_000_000_000L);
    }

    @Test
    void chartIsAPng(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("plan.png");
        Run r = run("plan", "mixtral-8x7b", "-q", "q4_0", "--gpu", "rtx3090", "--batch", "1,8,32", "--chart", png.toString());
        assertThat(r.rc()).isZero();
        byte[] head = Files.readAllBytes(png);
        assertThat(head).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void badInputGetsOneClearLine() {
        Run unknown = run("plan", "deepseek-v4");
        assertThat(unknown.rc()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown model 'deepseek-v4'").contains("did you mean deepseek-v3");
        Run contradictory = run("plan", "deepseek-v3", "--hw", "this", "--gpu", "rtx4090");
        assertThat(contradictory.err()).contains("--hw this describes the whole machine");
        Run nodes = run("plan", "deepseek-v3", "--nodes", "8x", "m4-pro-64g");
        assertThat(nodes.err()).contains("needs --link");
    }

    @Test
    void validateShowsThePublishedRows() {
        Run r = run("plan", "--validate");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("KTransformers").contains("median |error|").contains("Source C");
    }
}
