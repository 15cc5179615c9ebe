package dev.jmoe.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GgufSharedModelsTest {
    static Stream<Path> models() {
        List<Path> all = SharedModels.allGguf();
        return all.isEmpty() ? Stream.of(Path.of("absent.gguf")) : all.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void readsEverySharedModelAndWritesItBackByteIdentical(Path model, @TempDir Path tmp) throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(model), "shared models absent");
        Path out = tmp.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(model); GgufWriter w = new GgufWriter(out)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.metadata().architecture()).isNotBlank();
            w.putAll(f.metadata());
            for (TensorInfo t : f.tensors()) {
                TensorInfo written = w.addTensor(t.name(), t.type(), t.dims());
                assertThat(written.offset()).as(t.name()).isEqualTo(t.offset());
            }
            for (TensorInfo t : f.tensors()) w.write(f.data(t));
        }
        assertThat(Files.mismatch(model, out)).as("first differing byte").isEqualTo(-1L);
    }

    @Test
    void dsv3TinyHasTheDocumentedShape() {
        Path p = SharedModels.require("dsv3-tiny-F32.gguf");
        try (GgufFile f = GgufFile.openHeader(p)) {
            GgufMetadata m = f.metadata();
            assertThat(m.architecture()).isEqualTo("deepseek2");
            assertThat(m.getInt("deepseek2.block_count")).isEqualTo(4);
            assertThat(m.getInt("deepseek2.attention.kv_lora_rank")).isEqualTo(64);
            assertThat(f.tensor("blk.1.attn_k_b.weight").dims()).containsExactly(32, 64, 8);
            long params = f.tensors().stream().mapToLong(TensorInfo::elementCount).sum();
            assertThat(params).isEqualTo(2_726_960L);
        }
    }
}
