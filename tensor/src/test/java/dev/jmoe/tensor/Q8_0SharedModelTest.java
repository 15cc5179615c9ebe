package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.SharedModels;
import org.junit.jupiter.api.Test;

/** llama-quantize's Q8_0 output for dsv3-tiny: our dequantization is within half a quantization step (plus the fp16 scale's rounding) of the F32 weights. */
class Q8_0SharedModelTest {
    @Test
    void dequantizedQ8_0MatchesTheF32WeightsWithinHalfAStep() {
        try (GgufFile f32 = GgufFile.open(SharedModels.require("dsv3-tiny-F32.gguf"));
             GgufFile q8 = GgufFile.open(SharedModels.require("dsv3-tiny-Q8_0.gguf"))) {
            Matrix ref = Matrix.of(f32, "blk.1.attn_q_a.weight");
            Matrix q = Matrix.of(q8, "blk.1.attn_q_a.weight");
            assertThat(q.type()).isEqualTo(GgmlType.Q8_0);
            float[] a = ref.toFloats(), b = q.toFloats();
            for (int blk = 0; blk < a.length / 32; blk++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(a[blk * 32 + j]));
                // half a step, plus what rounding the scale to fp16 (2^-11 relative) moves the largest quant
                float halfStep = amax / 127f / 2 * 1.01f + amax * 0x1p-11f;
                for (int j = 0; j < 32; j++) assertThat(Math.abs(a[blk * 32 + j] - b[blk * 32 + j])).isLessThanOrEqualTo(halfStep);
            }
        }
    }

    @Test
    void ourQ8_0QuantizerReproducesLlamaQuantizeBytes() {
        try (GgufFile f32 = GgufFile.open(SharedModels.require("dsv3-tiny-F32.gguf"));
             GgufFile q8 = GgufFile.open(SharedModels.require("dsv3-tiny-Q8_0.gguf"))) {
            Matrix ref = Matrix.of(f32, "blk.2.ffn_up_exps.weight");
            Matrix q = Matrix.of(q8, "blk.2.ffn_up_exps.weight");
            byte[] ours = new byte[(int) q.byteSize()];
            Codecs.of(GgmlType.Q8_0).quantize(ref.toFloats(), 0, java.lang.foreign.MemorySegment.ofArray(ours), 0, ref.rows() * ref.cols());
            assertThat(ours).isEqualTo(q.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void matvecEqualsDotOfDequantizedRowsWithQuantizedActivations() {
        try (GgufFile q8 = GgufFile.open(SharedModels.require("dsv3-tiny-Q8_0.gguf"));
             Parallel pool = new Parallel(2)) {
            Matrix w = Matrix.of(q8, "blk.0.ffn_gate.weight");
            float[] x = new float[w.cols()];
            java.util.Random rnd = new java.util.Random(7);
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] y = new float[w.rows()];
            new MatVec(pool).matvec(w, x, y);
            float[] wf = w.toFloats();
            for (int r = 0; r < w.rows(); r++) {
                double exact = 0;
                for (int c = 0; c < w.cols(); c++) exact += (double) wf[r * w.cols() + c] * x[c];
                // activation quantization to 8 bits costs ~0.5 % of the row's magnitude at most
                assertThat(y[r]).isCloseTo((float) exact, org.assertj.core.data.Offset.offset(0.02f + 0.01f * (float) Math.abs(exact)));
            }
        }
    }
}
