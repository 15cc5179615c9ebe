package dev.jmoe.model.synth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our tiny shapes against the shared reference files written by llama.cpp's tooling: same metadata keys in the same
 * order with the same value types, same tensor table (names, dims, types, offsets). Only values differ.
 */
class SynthMatchesSharedModelsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"dsv3-tiny, dsv3-tiny-F32.gguf, F32", "dsv3-tiny, dsv3-tiny-F16.gguf, F16",
            "dsv2-tiny, dsv2-tiny-F32.gguf, F32", "dsv3-tiny, dsv3-tiny-Q8_0.gguf, Q8_0", "dsv2-tiny, dsv2-tiny-Q8_0.gguf, Q8_0"})
    void sameKeysTypesAndTensorTable(String shape, String shared, String type) {
        Path ref = SharedModels.require(shared);
        Path ours = dir.resolve(shape + ".gguf");
        Synthesizer.write(Shapes.spec(shape, null), GgmlType.byName(type).orElseThrow(), 7, false, ours, Synthesizer.Progress.NONE);
        try (GgufFile a = GgufFile.open(ours); GgufFile b = GgufFile.open(ref)) {
            if (type.startsWith("F")) {
                assertThat(List.copyOf(a.metadata().keys())).isEqualTo(List.copyOf(b.metadata().keys())); // converter order
            } else {
                // llama-quantize moves general.quantization_version and general.file_type to the end; we keep the
                // converter's order for every type
                assertThat(a.metadata().keys()).containsExactlyInAnyOrderElementsOf(b.metadata().keys());
            }
            assertThat(typesOf(a.metadata())).isEqualTo(typesOf(b.metadata()));
            assertThat(a.metadata().getLong("general.file_type")).isEqualTo(b.metadata().getLong("general.file_type"));
            if (type.startsWith("F")) {
                assertThat(a.tensors()).isEqualTo(b.tensors()); // TensorInfo equality: name, dims, type, offset
            } else {
                // llama-quantize also reorders the tensors; compare name, dims and type
                assertThat(a.tensors().stream().map(t -> t.name() + " " + t.type() + " " + t.shape()))
                        .containsExactlyInAnyOrderElementsOf(b.tensors().stream().map(t -> t.name() + " " + t.type() + " " + t.shape()).toList());
            }
            // every architecture key has the reference value too (names and the tokenizer are ours)
            for (String k : b.metadata().keys()) {
                if (k.startsWith("deepseek2.")) assertThat(a.metadata().get(k)).as(k).isEqualTo(b.metadata().get(k));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"llama-tiny, 5", "mixtral-tiny, 5"})
    void llamaShapesUseTheLlamaKeysAndTensorNamesOfStories260K(String shape, int layers) {
        Path ref = SharedModels.require("stories260K.gguf");
        Path ours = dir.resolve(shape + ".gguf");
        Synthesizer.write(Shapes.spec(shape, layers), GgmlType.F32, 7, false, ours, Synthesizer.Progress.NONE);
        try (GgufFile a = GgufFile.open(ours); GgufFile b = GgufFile.open(ref)) {
            Map<String, String> ta = typesOf(a.metadata()), tb = typesOf(b.metadata());
            assertThat(ta).containsAllEntriesOf(tb); // stories260K's keys are a subset (llama2c converter writes fewer)
            List<String> refNames = b.tensors().stream().map(TensorInfo::name).sorted().toList();
            List<String> ourNames = new ArrayList<>(a.tensors().stream().map(TensorInfo::name).sorted().toList());
            if (shape.equals("llama-tiny")) {
                assertThat(ourNames).isEqualTo(refNames);
            } else {
                // Mixtral: each layer's ffn_{gate,up,down} become the router and merged expert tensors
                List<String> expected = new ArrayList<>();
                for (String n : refNames) {
                    if (n.matches("blk\\.\\d+\\.ffn_(gate|up|down)\\.weight")) expected.add(n.replace(".weight", "_exps.weight"));
                    else expected.add(n);
                    if (n.matches("blk\\.\\d+\\.ffn_gate\\.weight")) expected.add(n.replace("ffn_gate", "ffn_gate_inp"));
                }
                assertThat(ourNames).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(a.tensor("blk.0.ffn_gate_exps.weight").dims()).containsExactly(128, 256, 8);
                assertThat(a.tensor("blk.0.ffn_down_exps.weight").dims()).containsExactly(256, 128, 8);
                assertThat(a.tensor("blk.0.ffn_gate_inp.weight").dims()).containsExactly(128, 8);
                assertThat(a.metadata().getLong("llama.expert_count")).isEqualTo(8);
                assertThat(a.metadata().getLong("llama.expert_used_count")).isEqualTo(2);
            }
            for (TensorInfo t : b.tensors()) {
                TensorInfo o = a.findTensor(t.name()).orElse(null);
                if (o != null) assertThat(o.nDims()).as(t.name()).isEqualTo(t.nDims());
            }
        }
    }

    /** key → value type (arrays: ARRAY of element type). */
    static Map<String, String> typesOf(GgufMetadata md) {
        return md.asMap().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> typeOf(e.getValue()),
                (x, y) -> x, java.util.LinkedHashMap::new));
    }

    private static String typeOf(GgufValue v) {
        return v.value() instanceof GgufValue.Array a ? "ARRAY of " + a.elementType() : v.type().toString();
    }
}
