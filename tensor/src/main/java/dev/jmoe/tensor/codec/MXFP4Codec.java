package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.e8m0Half;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * MXFP4 (OCP microscaling FP4): blocks of 32 = {@code uint8 e (E8M0); uint8 qs[16]} (17 bytes). Nibbles are E2M1
 * codes, low nibbles first; kvalues_mxfp4 holds them doubled, so the scale is 2^(e−127)/2; value = kv · 2^(e−128).
 */
public final class MXFP4Codec implements Codec {
    static final int QK = 32, BYTES = 17;

    @Override
    public GgmlType type() {
        return GgmlType.MXFP4;
    }

    /** ggml-cpu's type_traits_cpu: MXFP4's vec_dot_type is Q8_0. */
    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_0;
    }

    /** As ggml's dequantize_row_mxfp4. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        byte[] kv = IqTables.KVALUES_MXFP4;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = e8m0Half(u8(src, o));
            int y = dstOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 1 + j);
                dst[y + j] = kv[q & 0xf] * d;
                dst[y + j + 16] = kv[q >> 4] * d;
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        if (IqVector.ENABLED) return IqVector.dotMxfp4(w, offset, x, xStart, n);
        return dotReference(w, offset, x, xStart, n);
    }

    /** As ggml_vec_dot_mxfp4_q8_0_generic. */
    float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] kv = IqTables.KVALUES_MXFP4;
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            float d = x.d[xo / QK] * e8m0Half(u8(w, o));
            int sumi1 = 0, sumi2 = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, o + 1 + j);
                sumi1 += q8[xo + j] * kv[q & 0xf];
                sumi2 += q8[xo + j + 16] * kv[q >> 4];
            }
            sumf += d * (sumi1 + sumi2);
        }
        return sumf;
    }
}
