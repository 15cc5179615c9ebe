package dev.jmoe.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GgufWriter.writeHeaderOnly and GgufFile.openHeader: files without a data section, and very large tensor tables. */
class GgufHeaderOnlyTest {
    @TempDir
    Path tmp;

    private static void declare(GgufWriter w) {
        w.putString("general.architecture", "deepseek2").putUInt32("deepseek2.block_count", 61);
        w.put("tokenizer.ggml.tokens", GgufValue.ofStrings("a", "b"));
        w.addTensor("token_embd.weight", GgmlType.Q4_K, 7168, 129280);
        w.addTensor("blk.3.ffn_up_exps.weight", GgmlType.Q4_K, 7168, 2048, 256);
        w.addTensor("output_norm.weight", GgmlType.F32, 7168);
    }

    @Test
    void headerOnlyFileIsThePrefixOfTheFullFileUpToItsDataSection() throws IOException {
        Path header = tmp.resolve("h.gguf");
        try (GgufWriter w = new GgufWriter(header)) {
            declare(w);
            w.writeHeaderOnly();
            assertThatThrownBy(() -> w.write(new byte[1])).isInstanceOf(IllegalStateException.class);
        }
        // a full file with the same declarations but a tiny stand-in for the data: compare the header bytes
        Path small = tmp.resolve("full.gguf");
        try (GgufWriter w = new GgufWriter(small)) {
            w.putString("general.architecture", "x");
            w.addTensor("t", GgmlType.F32, 8);
            w.write(new float[8]);
        }
        try (GgufFile f = GgufFile.openHeader(header)) {
            assertThat(f.isHeaderOnly()).isTrue();
            assertThat(f.fileSize()).isEqualTo(f.dataOffset()).isEqualTo(Files.size(header));
            assertThat(f.metadata().getInt("deepseek2.block_count")).isEqualTo(61);
            assertThat(f.tensor("blk.3.ffn_up_exps.weight").dims()).containsExactly(7168, 2048, 256);
            assertThat(f.tensorBytes()).isEqualTo(7168L * 129280 / 256 * 144 + 7168L * 2048 * 256 / 256 * 144 + 7168 * 4);
            assertThatThrownBy(() -> f.data("output_norm.weight")).isInstanceOf(IllegalStateException.class);
        }
        // open (with the data check) names the first tensor whose data is missing, the field offset and the file
        assertThatThrownBy(() -> GgufFile.open(header)).isInstanceOfSatisfying(GgufFormatException.class, e -> {
            assertThat(e.field()).isEqualTo("tensor[0] \"token_embd.weight\" offset");
            assertThat(e.getMessage()).contains("runs past end of file").contains("(offset ").endsWith(" in " + header);
        });
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("h.gguf", "full.gguf"); // no .tmp left
        }
    }

    @Test
    void headerOnlyBytesEqualTheFullWritersHeader() throws IOException {
        Path header = tmp.resolve("h.gguf");
        Path full = tmp.resolve("f.gguf");
        for (Path p : new Path[]{header, full}) {
            try (GgufWriter w = new GgufWriter(p)) {
                w.putString("general.architecture", "llama");
                w.addTensor("a", GgmlType.F32, 3);
                w.addTensor("b", GgmlType.Q8_0, 32, 2);
                if (p == header) {
                    w.writeHeaderOnly();
                } else {
                    w.write(new float[3]);
                    w.write(new byte[68]);
                }
            }
        }
        byte[] h = Files.readAllBytes(header);
        byte[] f = Files.readAllBytes(full);
        try (GgufFile g = GgufFile.open(full)) {
            assertThat(h.length).isEqualTo(g.dataOffset());
        }
        assertThat(h).isEqualTo(Arrays.copyOf(f, h.length));
    }

    @Test
    void fiftyThousandTensorsHeaderOnly() {
        Path p = tmp.resolve("many.gguf");
        int n = 50_000;
        try (GgufWriter w = new GgufWriter(p)) {
            w.putString("general.architecture", "deepseek2");
            for (int i = 0; i < n; i++) w.addTensor("blk." + (i / 256) + ".ffn_up_exps." + (i % 256) + ".weight", GgmlType.Q4_K, 7168, 2048);
            w.writeHeaderOnly();
        }
        long t0 = System.nanoTime();
        try (GgufFile f = GgufFile.openHeader(p)) {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("openHeader of " + n + " tensors (" + f.fileSize() + " bytes): " + ms + " ms");
            assertThat(f.tensors()).hasSize(n);
            assertThat(f.tensorBytes()).isEqualTo((long) n * 7168 * 2048 / 256 * 144);
            assertThat(f.tensor("blk.195.ffn_up_exps.77.weight").offset()).isEqualTo((195L * 256 + 77) * 7168 * 2048 / 256 * 144);
            // generous: catches quadratic behaviour (minutes), not a speed claim
            assertThat(ms).isLessThan(10_000);
        }
    }

    @Test
    void writerRefusesWhatReadersReject() {
        GgufWriter w = new GgufWriter(tmp.resolve("x.gguf"));
        GgufValue nested = new GgufValue(GgufValueType.ARRAY, new GgufValue.Array(GgufValueType.ARRAY, new GgufValue.Array[0]));
        assertThatThrownBy(() -> w.put("n", nested)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arrays of arrays");
        assertThatThrownBy(() -> w.putUInt32("", 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> w.putString("general.alignment", "32")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("general.alignment");
        assertThatThrownBy(() -> w.putUInt32("general.alignment", 48)).isInstanceOf(IllegalArgumentException.class);
        w.close();
        assertThat(tmp.resolve("x.gguf")).exists();
    }

    @Test
    void openErrorsAreOneLine() {
        assertThatThrownBy(() -> GgufFile.openHeader(tmp.resolve("absent.gguf"))).isInstanceOf(UncheckedIOException.class)
                .hasMessage(tmp.resolve("absent.gguf") + ": no such file");
        assertThatThrownBy(() -> GgufFile.openHeader(tmp)).isInstanceOf(UncheckedIOException.class).hasMessageContaining("is a directory");
    }

    @Test
    void emptyFile() throws IOException {
        Path p = Files.createFile(tmp.resolve("empty.gguf"));
        assertThatThrownBy(() -> GgufFile.openHeader(p)).isInstanceOf(GgufFormatException.class)
                .hasMessage("magic: truncated: needs 4 bytes, file ends at 0 (offset 0) in " + p);
    }
}
