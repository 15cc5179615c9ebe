package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import org.junit.jupiter.api.Test;

/**
 * Activation quantization as ggml-cpu's x86 quantize_row_q8_0 / q8_1 (AVX: {@code _mm256_round_ps} to nearest even,
 * d = amax/127 stored fp16, Q8_1 s = fp16(d·Σq) with the f32 d), on blocks whose values are worked out by hand.
 */
class ActivationQuantTest {
    @Test
    void tiesRoundToEvenNotAwayFromZero() {
        float[] x = new float[64];
        // block 0: amax 127 → id = 1 exactly; .5 ties go to the even neighbour
        x[0] = 127; x[1] = 2.5f; x[2] = 3.5f; x[3] = -2.5f; x[4] = 0.5f; x[5] = 1.5f; x[6] = -0.5f; x[7] = -126.5f; x[8] = 0.49f;
        // block 1: amax 63.5 → id = 127/63.5 = 2 exactly; x·2 = 2.5, 1.5, -0.5, 5 → 2, 2, -0, 5
        x[32] = -63.5f; x[33] = 1.25f; x[34] = 0.75f; x[35] = -0.25f; x[36] = 2.5f;
        Activations a = new Activations().prepare(GgmlType.Q8_1, x, 0, 64, 1);
        byte[] q = a.q;
        assertThat(new byte[] {q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8]}).containsExactly(127, 2, 4, -2, 0, 2, 0, -126, 0);
        assertThat(new byte[] {q[32], q[33], q[34], q[35], q[36], q[37]}).containsExactly(-127, 2, 2, 0, 5, 0);
        assertThat(a.d[0]).isEqualTo(1.0f);
        assertThat(a.d[1]).isEqualTo(0.5f);
        // s = fp16(d · Σq): block 0 Σq = 127+2+4-2+0+2+0-126 = 7; block 1 Σq = -127+2+2+0+5 = -118, × 0.5
        assertThat(a.s[0]).isEqualTo(7f);
        assertThat(a.s[1]).isEqualTo(-59f);
        assertThat(a.f).startsWith(x);
    }

    @Test
    void zeroBlockAndFp16RoundedScale() {
        float[] x = new float[64];
        x[32] = 1; // amax 1 → d = 1/127 stored as fp16, id = 127 (f32), q = 127
        x[33] = -0.3f; // -0.3 · 127 = -38.1 → -38
        Activations a = new Activations().prepare(GgmlType.Q8_0, x, 0, 64, 1);
        assertThat(a.d[0]).isZero();
        for (int j = 0; j < 32; j++) assertThat(a.q[j]).isZero();
        assertThat(a.d[1]).isEqualTo(Half.round(1f / 127)).isNotEqualTo(1f / 127);
        assertThat(a.q[32]).isEqualTo((byte) 127);
        assertThat(a.q[33]).isEqualTo((byte) -38);
    }

    @Test
    void batchesQuantizeEachVectorOnItsOwn() {
        float[] x = new float[96];
        for (int i = 0; i < 96; i++) x[i] = (i % 7) - 3 + 0.25f * (i / 32);
        Activations batch = new Activations().prepare(GgmlType.Q8_0, x, 0, 32, 3);
        for (int v = 0; v < 3; v++) {
            Activations one = new Activations().prepare(GgmlType.Q8_0, x, 32 * v, 32, 1);
            for (int j = 0; j < 32; j++) assertThat(batch.q[32 * v + j]).isEqualTo(one.q[j]);
            assertThat(batch.d[v]).isEqualTo(one.d[0]);
        }
    }
}
