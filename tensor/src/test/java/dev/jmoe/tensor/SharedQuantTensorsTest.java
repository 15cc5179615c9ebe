package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our dequantization of every tensor llama-quantize wrote in the shared files, against the F32 weights it started
 * from: the relative RMS error must be what the type's bit budget gives Gaussian weights (a wrong bit layout gives
 * ~1.4). For the types whose reference quantizer is deterministic, our quantizer must also reproduce the bytes.
 */
class SharedQuantTensorsTest {
    /** Relative RMSE bounds for N(0, σ) weights: ~1.5× what each type measured here. */
    static final Map<GgmlType, Double> BOUND = Map.of(GgmlType.Q8_0, 0.01, GgmlType.Q6_K, 0.03, GgmlType.Q5_0, 0.06,
            GgmlType.Q4_0, 0.12, GgmlType.Q4_K, 0.12, GgmlType.Q3_K, 0.25, GgmlType.Q2_K, 0.45);
    static final Set<GgmlType> DETERMINISTIC = EnumSet.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0);

    @ParameterizedTest
    @ValueSource(strings = {"dsv3-tiny-Q8_0.gguf", "dsv3-tiny-Q4_0.gguf", "dsv3-tiny-Q4_K_M.gguf", "dsv3-tiny-Q6_K.gguf", "dsv3-tiny-Q2_K.gguf"})
    void dequantizesLlamaQuantizeOutputAndReproducesDeterministicBytes(String file) {
        try (GgufFile f32 = GgufFile.open(SharedModels.require("dsv3-tiny-F32.gguf"));
             GgufFile q = GgufFile.open(SharedModels.require(file))) {
            int checked = 0;
            for (TensorInfo t : q.tensors()) {
                if (t.type() == GgmlType.F32) continue;
                float[] ref = Matrix.of(f32, t.name()).toFloats();
                float[] ours = Matrix.of(q, t).toFloats();
                double err = 0, norm = 0;
                for (int i = 0; i < ref.length; i++) {
                    err += (ours[i] - ref[i]) * (double) (ours[i] - ref[i]);
                    norm += ref[i] * (double) ref[i];
                }
                double rel = Math.sqrt(err / norm);
                assertThat(rel).as(t.name() + " " + t.type()).isLessThan(BOUND.get(t.type()));
                if (DETERMINISTIC.contains(t.type())) {
                    byte[] bytes = new byte[(int) t.byteSize()];
                    Codecs.of(t.type()).quantize(ref, 0, MemorySegment.ofArray(bytes), 0, ref.length);
                    assertThat(MemorySegment.ofArray(bytes).mismatch(q.data(t))).as(t.name() + " " + t.type() + " first differing byte").isEqualTo(-1L);
                }
                checked++;
            }
            assertThat(checked).isPositive();
        }
    }
}
