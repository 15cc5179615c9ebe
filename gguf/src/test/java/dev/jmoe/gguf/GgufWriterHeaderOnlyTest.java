package dev.jmoe.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterHeaderOnlyTest {

    @Test
    void headerOnlyFileDescribesTensorsWithoutTheirData(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("h.gguf");
        try (GgufWriter w = new GgufWriter(f)) {
            w.putString("general.architecture", "llama");
            w.addTensor("big.weight", GgmlType.Q8_0, 4096, 1 << 20); // 4.5 GB described, none written
            w.addTensor("norm.weight", GgmlType.F32, 4096);
            w.writeHeaderOnly();
            assertThatThrownBy(() -> w.write(new byte[4])).isInstanceOf(IllegalStateException.class);
        }
        assertThat(Files.size(f)).isLessThan(1024);
        assertThat(dir.resolve("h.gguf.tmp")).doesNotExist();
        try (GgufFile g = GgufFile.openHeader(f)) {
            assertThat(g.tensors()).hasSize(2);
            assertThat(g.tensor("big.weight").byteSize()).isEqualTo(4096L * (1 << 20) / 32 * 34);
            assertThat(g.tensorBytes()).isGreaterThan(4_000_000_000L);
            assertThat(g.metadata().architecture()).isEqualTo("llama");
        }
        // a full open refuses it: the data the table points at is not there
        assertThatThrownBy(() -> GgufFile.open(f)).isInstanceOf(GgufFormatException.class);
    }
}
