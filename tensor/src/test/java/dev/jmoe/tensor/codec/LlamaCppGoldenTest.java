package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.DotOrder;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our codecs against llama.cpp's own results (frozen, see resources llamacpp/README.md): dequantization bit-exact
 * on llama-quantized rows and on blocks that walk every lattice table entry; dot products equal to ggml's generic
 * kernel on llama.cpp's quantized activations (bit-exact) and close to its AVX2 kernel; our activation quantization equal to
 * llama.cpp's bytes.
 */
class LlamaCppGoldenTest {

    @ParameterizedTest
    @EnumSource(names = {"IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M", "IQ4_XS", "MXFP4", "TQ1_0", "TQ2_0"})
    void dequantizationIsBitExact(GgmlType type) {
        LlamaCppGolden g = LlamaCppGolden.load(type);
        Codec c = Codecs.of(type);
        int n = g.rows() * g.perRow();
        float[] ref = new float[n], fast = new float[n];
        c.dequantizeReference(g.weights(), 0, ref, 0, n);
        c.dequantize(g.weights(), 0, fast, 0, n);
        for (int i = 0; i < n; i++) {
            int at = i;
            assertThat(Float.floatToIntBits(ref[i])).as(() -> type + " value " + at + " (block " + at / type.blockSize + "): ours " + ref[at] + ", llama.cpp " + g.dequantized()[at])
                    .isEqualTo(Float.floatToIntBits(g.dequantized()[i]));
        }
        assertThat(fast).isEqualTo(ref);
    }

    @ParameterizedTest
    @EnumSource(names = {"IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M", "IQ4_XS", "MXFP4", "TQ1_0", "TQ2_0"})
    void dotMatchesGgmlGenericAndAvx2Kernels(GgmlType type) {
        LlamaCppGolden g = LlamaCppGolden.load(type);
        Codec c = Codecs.of(type);
        Activations a = g.llamaActivations(c.activationType());
        float[] w = new float[g.perRow()];
        for (int r = 0; r < g.rows(); r++) {
            long off = (long) r * g.rowBytes();
            float ours = c.dot(g.weights(), off, a, 0, g.perRow());
            // scale of the sum: Σ |w·x| over the row, for a tolerance relative to what float rounding can move
            c.dequantizeReference(g.weights(), off, w, 0, g.perRow());
            double mag = 0;
            for (int i = 0; i < w.length; i++) mag += Math.abs((double) w[i] * g.x()[i]);
            int row = r;
            // same integer sums, same float operations in the same order as ggml's generic kernel (built without FMA): equal
            assertThat(ours).as(() -> type + " row " + row + " vs ggml_vec_dot generic").isEqualTo(g.dotGeneric()[r]);
            assertThat(ours).as(() -> type + " row " + row + " vs ggml AVX2 kernel").isCloseTo(g.dotHaswell()[r], org.assertj.core.data.Offset.offset((float) (1e-5 * mag)));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M", "IQ4_XS", "MXFP4", "TQ1_0", "TQ2_0"})
    void matvecFromFloatActivationsReproducesLlamaCppsGenericDots(GgmlType type) {
        // end to end: MatVec quantizes x itself (to the same bytes as llama.cpp, see below) and splits rows over threads
        LlamaCppGolden g = LlamaCppGolden.load(type);
        Matrix m = new Matrix("golden." + type, type, Codecs.of(type), g.weights(), g.perRow(), g.rows());
        float[] y = new float[g.rows()];
        try (Parallel pool = new Parallel(2)) {
            new MatVec(pool, DotOrder.GGML).matvec(m, g.x(), y);
            assertThat(y).as("GGML order").isEqualTo(g.dotGeneric());
            new MatVec(pool, DotOrder.FAST).matvec(m, g.x(), y);
        }
        if (type != GgmlType.IQ4_XS) {
            assertThat(y).as("FAST order (the same kernels for this type)").isEqualTo(g.dotGeneric());
            return;
        }
        // IQ4_XS's FAST order multiplies each super-block's exact integer sum once, where ggml adds each 32 values'
        // float product: within float rounding of the sum of the products' magnitudes
        Codec c = Codecs.of(type);
        float[] w = new float[g.perRow()];
        for (int r = 0; r < g.rows(); r++) {
            c.dequantizeReference(g.weights(), (long) r * g.rowBytes(), w, 0, g.perRow());
            double mag = 0;
            for (int i = 0; i < w.length; i++) mag += Math.abs((double) w[i] * g.x()[i]);
            assertThat(y[r]).as("FAST order, row %d", r).isCloseTo(g.dotGeneric()[r], org.assertj.core.data.Offset.offset((float) (1e-6 * mag)));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IQ2_XXS", "MXFP4"})
    void ourActivationQuantizationEqualsLlamaCpps(GgmlType type) {
        LlamaCppGolden g = LlamaCppGolden.load(type);
        GgmlType format = Codecs.of(type).activationType();
        Activations ours = new Activations().prepare(format, g.x(), 0, g.perRow(), 1);
        Activations theirs = g.llamaActivations(format);
        int nb = g.perRow() / (format == GgmlType.Q8_K ? 256 : 32);
        assertThat(Arrays.copyOf(ours.q, g.perRow())).isEqualTo(Arrays.copyOf(theirs.q, g.perRow()));
        assertThat(Arrays.copyOf(ours.d, nb)).isEqualTo(Arrays.copyOf(theirs.d, nb));
        if (format == GgmlType.Q8_K) assertThat(Arrays.copyOf(ours.bsums, g.perRow() / 16)).isEqualTo(Arrays.copyOf(theirs.bsums, g.perRow() / 16));
    }
}
