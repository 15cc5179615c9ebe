package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * TQ1_0 (ternary, 1.6875 bpw): blocks of 256 = {@code uint8 qs[48]; uint8 qh[4]; fp16 d} (54 bytes). Each qs byte
 * packs 5 trits, each qh byte 4, as a base-3 fixed-point fraction: trit n of byte q is {@code ((q·3^n mod 256)·3)>>8};
 * value = (trit − 1)·d. Order: qs[0..32) × 5 trits in strides of 32, qs[32..48) × 5 in strides of 16, qh × 4.
 */
public final class TQ1_0Codec implements Codec {
    static final int QK = 256, BYTES = 54;
    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    @Override
    public GgmlType type() {
        return GgmlType.TQ1_0;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** Trit n (0..4) of byte q, in {0,1,2} for any byte (ggml's formula; ((255·3)>>8) = 2). */
    static int trit(int q, int n) {
        return (((q * POW3[n]) & 0xff) * 3) >> 8;
    }

    /** Element k (0..255) of a block: the byte it lives in and which trit, as ggml orders them. */
    static int value(MemorySegment s, long o, int k) {
        if (k < 160) return trit(u8(s, o + k % 32), k / 32);
        if (k < 240) return trit(u8(s, o + 32 + (k - 160) % 16), (k - 160) / 16);
        return trit(u8(s, o + 48 + (k - 240) % 4), (k - 240) / 4);
    }

    /** As ggml's dequantize_row_tq1_0. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o + 52);
            for (int k = 0; k < QK; k++) dst[dstOff + b * QK + k] = (float) (value(src, o, k) - 1) * d;
        }
    }

    /** As ggml_vec_dot_tq1_0_q8_K_generic: Σ (trit−1)·q8 (int), times d_w·d_x. */
    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int sum = 0;
            for (int k = 0; k < QK; k++) sum += (value(w, o, k) - 1) * q8[xo + k];
            sumf += (float) sum * (f16(w, o + 52) * x.d[xo / QK]);
        }
        return sumf;
    }
}
