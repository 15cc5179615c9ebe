package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The fast Q8_0 / Q4_0 dots give the bits of a scalar model of ggml's x86 kernels (ggml_vec_dot_q8_0_q8_0 and
 * _q4_0_q8_0, AVX2 path in ggml-cpu/arch/x86/quants.c of llama.cpp b6000-era sources): 8 int lanes per block, lane i =
 * Σ of values 4i..4i+3 (maddubs + madd), {@code acc_i = fma(d_w·d_x, (float) lane_i, acc_i)}, then hsum_float_8.
 */
class GgmlOrderTest {

    /** The scalar model: written from the C source's structure, not from the vector kernel. */
    static float ggmlDot(boolean q4, MemorySegment w, Activations x, int n) {
        float[] acc = new float[8];
        for (int b = 0; b < n / 32; b++) {
            long o = (q4 ? 18L : 34L) * b;
            int xo = 32 * b;
            float d = Blocks.f16(w, o) * x.d[b];
            int[] v = new int[32];
            for (int j = 0; j < 32; j++) {
                // bytes_from_nibbles_32: low nibbles are values 0..15, high nibbles 16..31
                if (q4) v[j] = (j < 16 ? Blocks.u8(w, o + 2 + j) & 0xf : Blocks.u8(w, o + 2 + j - 16) >> 4) - 8;
                else v[j] = Blocks.i8(w, o + 2 + j);
            }
            for (int i = 0; i < 8; i++) {
                int s = 0;
                for (int m = 0; m < 4; m++) s += v[4 * i + m] * x.q[xo + 4 * i + m];
                acc[i] = Math.fma(d, (float) s, acc[i]);
            }
        }
        return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
    }

    @Property(tries = 200)
    void fastDotsRoundAsGgml(@ForAll boolean q4, @ForAll @IntRange(min = 1, max = 160) int blocks, @ForAll long seed) {
        Assume.that(Int8FloatKernels.ENABLED);
        GgmlType t = q4 ? GgmlType.Q4_0 : GgmlType.Q8_0;
        int n = 32 * blocks;
        MemorySegment w = LegacyBlocks.row(t, n, seed, true);
        Activations a = new Activations().prepare(GgmlType.Q8_0, LegacyBlocks.activations(n, ~seed), 0, n, 1);
        float fast = q4 ? Int8FloatKernels.dotQ4_0(w, 0, a, 0, n) : Int8FloatKernels.dotQ8_0(w, 0, a, 0, n);
        assertThat(Float.floatToIntBits(fast)).as("%s n=%d", t, n).isEqualTo(Float.floatToIntBits(ggmlDot(q4, w, a, n)));
    }
}
