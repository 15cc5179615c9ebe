package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The quantizers and the scalar dequantizers against llama.cpp's own output, frozen by
 * {@code src/test/golden-gen/legacy_golden.py} (libggml-base.so of npm @node-llama-cpp/linux-x64@3.21.1, llama.cpp
 * release v0.4.0): 6 rows × 256 values (Gaussian rows at three scales, an all-positive row, crafted blocks with
 * zeros, a lone value, constants, exact rounding ties, near-fp16-max and fp16-subnormal scales).
 */
class LegacyGoldenTest {
    static final int N = 256, ROWS = 6;

    static byte[] resource(String name) {
        try (InputStream in = LegacyGoldenTest.class.getResourceAsStream("legacy/" + name)) {
            assertThat(in).as("resource legacy/" + name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] floats(String name) {
        byte[] b = resource(name);
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "iq4_nl", "f16", "bf16"})
    void quantizerReproducesLlamaCppBytes(String name) {
        Codec c = Codecs.of(GgmlType.byName(name).orElseThrow());
        float[] x = floats("input.f32");
        byte[] expected = resource(name + ".bin");
        byte[] ours = new byte[expected.length];
        c.quantize(x, 0, MemorySegment.ofArray(ours), 0, ROWS * N);
        for (int r = 0; r < ROWS; r++) {
            int rb = expected.length / ROWS;
            assertThat(java.util.Arrays.copyOfRange(ours, r * rb, (r + 1) * rb)).as(name + " row " + r)
                    .isEqualTo(java.util.Arrays.copyOfRange(expected, r * rb, (r + 1) * rb));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "iq4_nl", "f16", "bf16"})
    void dequantizationEqualsLlamaCppBitForBit(String name) {
        Codec c = Codecs.of(GgmlType.byName(name).orElseThrow());
        MemorySegment q = MemorySegment.ofArray(resource(name + ".bin"));
        float[] expected = floats(name + ".deq.f32");
        float[] ref = new float[ROWS * N], fast = new float[ROWS * N];
        c.dequantizeReference(q, 0, ref, 0, ROWS * N);
        c.dequantize(q, 0, fast, 0, ROWS * N);
        assertThat(ref).containsExactly(expected);
        assertThat(fast).containsExactly(expected);
    }

    @org.junit.jupiter.api.Test
    void q8_1QuantizerFollowsTheReferenceFormula() {
        // ggml's quantize_row_q8_1_ref by hand on one block: amax 2.54 → d = 0.02, q = roundf(x/d), s = Σq·d
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = (j - 16) * 0.01f;
        x[31] = 2.54f;
        byte[] out = new byte[36];
        Codecs.of(GgmlType.Q8_1).quantize(x, 0, MemorySegment.ofArray(out), 0, 32);
        MemorySegment s = MemorySegment.ofArray(out);
        float d = 2.54f / 127;
        assertThat(Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0))).isEqualTo(dev.jmoe.tensor.Half.round(d));
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            int q = dev.jmoe.tensor.Rounding.roundf(x[j] * (1 / d));
            assertThat(out[4 + j]).as("q[%d]", j).isEqualTo((byte) q);
            sum += q;
        }
        assertThat(out[4 + 31]).isEqualTo((byte) 127);
        assertThat(out[4 + 8]).isEqualTo((byte) -4);   // -0.08/0.02 = -4
        assertThat(Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2))).isEqualTo(dev.jmoe.tensor.Half.round(sum * d));
    }
}
