package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * TQ2_0 (ternary in 2 bits, 2.0625 bpw): blocks of 256 = {@code uint8 qs[64]; fp16 d} (66 bytes). Element
 * {@code 128h + 32l + m} is bits {@code 2l..2l+1} of {@code qs[32h + m]}; value = (q − 1)·d.
 */
public final class TQ2_0Codec implements Codec {
    static final int QK = 256, BYTES = 66;

    @Override
    public GgmlType type() {
        return GgmlType.TQ2_0;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    static int value(MemorySegment s, long o, int k) {
        int h = k / 128, l = (k % 128) / 32, m = k % 32;
        return (u8(s, o + 32 * h + m) >> (2 * l)) & 3;
    }

    /** As ggml's dequantize_row_tq2_0. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o + 64);
            for (int k = 0; k < QK; k++) dst[dstOff + b * QK + k] = (float) (value(src, o, k) - 1) * d;
        }
    }

    /** As ggml_vec_dot_tq2_0_q8_K_generic. */
    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int sumi = 0;
            for (int k = 0; k < QK; k++) sumi += q8[xo + k] * (value(w, o, k) - 1);
            sumf += (float) sumi * (x.d[xo / QK] * f16(w, o + 64));
        }
        return sumf;
    }
}
