package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The mix rules reproduce the tensor types llama-quantize chose for the shared dsv3-tiny / dsv2-tiny files. */
class QuantMixTest {

    @ParameterizedTest
    @CsvSource({"dsv3-tiny-F32.gguf,dsv3-tiny-Q8_0.gguf,Q8_0", "dsv3-tiny-F32.gguf,dsv3-tiny-Q4_0.gguf,Q4_0",
            "dsv3-tiny-F32.gguf,dsv3-tiny-Q4_K_M.gguf,Q4_K_M", "dsv3-tiny-F32.gguf,dsv3-tiny-Q6_K.gguf,Q6_K",
            "dsv3-tiny-F32.gguf,dsv3-tiny-Q2_K.gguf,Q2_K", "dsv2-tiny-F32.gguf,dsv2-tiny-Q8_0.gguf,Q8_0"})
    void reproducesLlamaQuantizeTypeChoices(String f32, String quantized, String mix) {
        try (GgufFile src = GgufFile.openHeader(SharedModels.require(f32));
             GgufFile dst = GgufFile.openHeader(SharedModels.require(quantized))) {
            String arch = src.metadata().architecture();
            int nHead = src.metadata().getInt(arch + ".attention.head_count");
            int nHeadKv = src.metadata().getInt(arch + ".attention.head_count_kv", nHead);
            var facts = new QuantMix.ModelFacts(src.metadata().getInt(arch + ".block_count"),
                    src.metadata().getInt(arch + ".expert_count", 0), nHead / nHeadKv);
            List<QuantMix.TensorDesc> descs = src.tensors().stream()
                    .map(t -> new QuantMix.TensorDesc(t.name(), t.dims(), t.type())).toList();
            Map<String, GgmlType> ours = QuantMix.byName(mix).orElseThrow().assign(descs, facts);
            Map<String, GgmlType> theirs = new LinkedHashMap<>();
            for (TensorInfo t : dst.tensors()) theirs.put(t.name(), t.type());
            assertThat(ours).containsExactlyInAnyOrderEntriesOf(theirs);
        }
    }

    @Test
    void fallbackFollowsLlamaCpp() {
        var t = new QuantMix.TensorDesc("blk.1.attn_k_b.weight", new long[]{32, 64, 8}, GgmlType.F32);
        assertThat(QuantMix.fallback(t, GgmlType.Q4_K)).isEqualTo(GgmlType.Q5_0);
        assertThat(QuantMix.fallback(t, GgmlType.Q6_K)).isEqualTo(GgmlType.Q8_0);
        assertThat(QuantMix.fallback(t, GgmlType.Q2_K)).isEqualTo(GgmlType.Q4_0);
        assertThat(QuantMix.fallback(t, GgmlType.IQ2_XXS)).isEqualTo(GgmlType.IQ4_NL);
        var odd = new QuantMix.TensorDesc("x.weight", new long[]{48, 4}, GgmlType.F32);
        assertThat(QuantMix.fallback(odd, GgmlType.Q4_K)).isEqualTo(GgmlType.F16);
    }

    @Test
    void namesParseInAnyCase() {
        assertThat(QuantMix.byName("q4_k_m")).contains(QuantMix.Q4_K_M);
        assertThat(QuantMix.byName("Q4_K")).contains(QuantMix.Q4_K_M);
        assertThat(QuantMix.byName("nope")).isEmpty();
    }
}
