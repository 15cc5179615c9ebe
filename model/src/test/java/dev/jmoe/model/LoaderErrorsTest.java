package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufWriter;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad files get one clear message naming the architecture, tensor or key. */
class LoaderErrorsTest {
    @TempDir
    Path tmp;

    /** stories260K.gguf rewritten with metadata overrides (null value = drop the key) and some tensors left out. */
    private Path variant(String name, Map<String, GgufValue> meta, Predicate<String> dropTensor) {
        Path out = tmp.resolve(name);
        try (GgufFile src = GgufFile.open(SharedModels.require("stories260K.gguf")); GgufWriter w = new GgufWriter(out)) {
            src.metadata().asMap().forEach((k, v) -> {
                if (!meta.containsKey(k)) w.put(k, v);
            });
            meta.forEach((k, v) -> {
                if (v != null) w.put(k, v);
            });
            for (TensorInfo t : src.tensors()) if (!dropTensor.test(t.name())) w.addTensor(t.name(), t.type(), t.dims());
            for (TensorInfo t : src.tensors()) if (!dropTensor.test(t.name())) w.write(src.data(t));
        }
        return out;
    }

    @Test
    void unsupportedArchitectureIsNamed() {
        Path f = variant("gpt2.gguf", Map.of("general.architecture", GgufValue.ofString("gpt2")), n -> false);
        assertThatThrownBy(() -> ModelLoader.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("architecture 'gpt2'").hasMessageContaining("deepseek2");
    }

    @Test
    void missingTensorIsNamed() {
        Path f = variant("no-up.gguf", Map.of(), n -> n.equals("blk.3.ffn_up.weight"));
        assertThatThrownBy(() -> ModelLoader.load(f, LoadOptions.defaults().withThreads(2))).isInstanceOf(ModelFormatException.class).hasMessageContaining("blk.3.ffn_up.weight").hasMessageContaining("missing");
    }

    @Test
    void missingKeyIsNamed() {
        java.util.HashMap<String, GgufValue> m = new java.util.HashMap<>();
        m.put("llama.embedding_length", null);
        Path f = variant("no-embd.gguf", m, n -> false);
        assertThatThrownBy(() -> ModelLoader.load(f)).isInstanceOf(ModelFormatException.class).hasMessageContaining("llama.embedding_length");
    }

    @Test
    void infoDescribesTheFile() {
        try (LanguageModel m = ModelLoader.load(SharedModels.require("dsv3-tiny-Q8_0.gguf"), LoadOptions.defaults().withContextLength(16).withThreads(2))) {
            m.forward(new int[] {1, 403}, 0, 2, new float[512], null); // runs on the model's own 2-thread pool
            ModelInfo i = m.info();
            assertThat(i.architecture()).isEqualTo("deepseek2");
            assertThat(i.quant()).isEqualTo("Q8_0");
            assertThat(i.parameters()).isEqualTo(2_726_960L); // shared/models/README.md
            assertThat(i.activeBytesPerToken()).isLessThan(i.fileBytes());
            assertThat(m.kvCacheBytes()).isEqualTo(4L * 16 * (64 + 16) * 4); // layers × ctx × (kv_lora + rope) × 4 bytes
        }
    }
}
