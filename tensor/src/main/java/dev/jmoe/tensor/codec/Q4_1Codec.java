package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/** Q4_1: blocks of 32 = {@code fp16 d, m; u8 qs[16]}; value = d·q + m, q in 0..15 (low nibbles first). */
public final class Q4_1Codec implements Codec {
    static final int QK = 32, BYTES = 20;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o), m = f16(src, o + 2);
            int y = dstOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 4 + j);
                dst[y + j] = (q & 0xF) * d + m;
                dst[y + j + 16] = (q >> 4) * d + m;
            }
        }
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_1;
    }

    /** ggml_vec_dot_q4_1_q8_1: Σ (Σ q·a)·d_w·d_a + m_w·s_a, with s_a = d_a·Σa (stored fp16 in the Q8_1 block). */
    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] a = x.q;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, o + 4 + j);
                isum += (q & 0xF) * a[xo + j] + (q >> 4) * a[xo + j + 16];
            }
            sum += isum * (f16(w, o) * x.d[xo / QK]) + f16(w, o + 2) * x.s[xo / QK];
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q4_1_ref: d = (max − min)/15, m = min, q = min(15, (int)((x − min)/d + 0.5)). */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            int s = srcOff + b * QK;
            long o = dstOffset + (long) b * BYTES;
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                min = Math.min(min, src[s + j]);
                max = Math.max(max, src[s + j]);
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0;
            Blocks.putF16(dst, o, d);
            Blocks.putF16(dst, o + 2, min);
            for (int j = 0; j < 16; j++) {
                int x0 = Math.min(15, (int) ((src[s + j] - min) * id + 0.5f));
                int x1 = Math.min(15, (int) ((src[s + j + 16] - min) * id + 0.5f));
                Blocks.putU8(dst, o + 4 + j, x0 | (x1 << 4));
            }
        }
    }
}
