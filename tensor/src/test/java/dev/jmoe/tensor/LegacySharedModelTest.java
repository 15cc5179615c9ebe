package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Our Q4_0 and Q5_0 quantizers on the F32 weights of dsv3-tiny reproduce, byte for byte, every Q4_0 tensor of
 * llama-quantize's dsv3-tiny-Q4_0.gguf and every Q5_0 tensor of dsv3-tiny-Q4_K_M.gguf.
 */
class LegacySharedModelTest {
    static int checkAll(String quantFile, GgmlType type) {
        int checked = 0;
        try (GgufFile f32 = GgufFile.open(SharedModels.require("dsv3-tiny-F32.gguf"));
             GgufFile q = GgufFile.open(SharedModels.require(quantFile))) {
            for (TensorInfo t : q.tensors()) {
                if (t.type() != type) continue;
                Matrix ref = Matrix.of(f32, t.name());
                Matrix mq = Matrix.of(q, t);
                byte[] ours = new byte[(int) mq.byteSize()];
                Codecs.of(type).quantize(ref.toFloats(), 0, MemorySegment.ofArray(ours), 0, ref.rows() * ref.cols());
                assertThat(ours).as(t.name()).isEqualTo(mq.data().toArray(ValueLayout.JAVA_BYTE));
                checked++;
            }
        }
        return checked;
    }

    @Test
    void q4_0TensorsOfLlamaQuantizeAreReproducedByteForByte() {
        assertThat(checkAll("dsv3-tiny-Q4_0.gguf", GgmlType.Q4_0)).isGreaterThan(20);
    }

    @Test
    void q5_0TensorsOfTheQ4_K_MFileAreReproducedByteForByte() {
        // attn_q_b, attn_k_b, attn_v_b of every layer and layer 1's ffn_down_exps / ffn_down_shexp
        assertThat(checkAll("dsv3-tiny-Q4_K_M.gguf", GgmlType.Q5_0)).isGreaterThanOrEqualTo(12);
    }
}
