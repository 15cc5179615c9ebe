package dev.jmoe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizeCommandTest {
    @Test
    void writesLlamaQuantizesQ8_0FileAndRefusesToOverwrite(@TempDir Path tmp) throws Exception {
        Path in = SharedModels.require("dsv3-tiny-F32.gguf");
        Path out = tmp.resolve("q8.gguf");
        var r = PlanCommandTest.run("quantize", in.toString(), out.toString(), "--type", "q8_0");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("Q8_0");
        assertThat(Files.mismatch(out, SharedModels.require("dsv3-tiny-Q8_0.gguf"))).isEqualTo(-1L);
        var again = PlanCommandTest.run("quantize", in.toString(), out.toString(), "--type", "q8_0");
        assertThat(again.rc()).isEqualTo(1);
        assertThat(again.err()).contains("exists");
        var bad = PlanCommandTest.run("quantize", in.toString(), tmp.resolve("x.gguf").toString(), "--type", "q9_9");
        assertThat(bad.err()).contains("unknown type 'q9_9'").contains("Q4_K_M");
    }
}
