package dev.jmoe.model.synth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.QuantMix;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code synth --type MIX}: tensors are typed as llama-quantize typed the shared file of the same shape and mix. */
class SynthMixTest {
    @ParameterizedTest
    @ValueSource(strings = {"Q4_K_M", "Q2_K", "Q6_K"})
    void namedMixTypesEveryTensorAsLlamaQuantize(String mix, @TempDir Path tmp) {
        Path ref = SharedModels.require("dsv3-tiny-" + mix + ".gguf");
        Path out = tmp.resolve("s.gguf");
        Synthesizer.write(Shapes.spec("dsv3-tiny", null), QuantMix.valueOf(mix), 1234, false, out, Synthesizer.Progress.NONE);
        try (GgufFile ours = GgufFile.open(out); GgufFile theirs = GgufFile.openHeader(ref)) {
            assertThat(types(ours)).isEqualTo(types(theirs));
            assertThat(ours.metadata().getInt("general.file_type")).isEqualTo(theirs.metadata().getInt("general.file_type"));
        }
    }

    private static Map<String, GgmlType> types(GgufFile f) {
        Map<String, GgmlType> m = new LinkedHashMap<>();
        for (TensorInfo t : f.tensors()) m.put(t.name(), t.type());
        return new java.util.TreeMap<>(m);
    }
}
