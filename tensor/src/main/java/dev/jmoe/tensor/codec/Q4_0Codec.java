package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/** Q4_0: blocks of 32 = {@code fp16 d; u8 qs[16]}; low nibbles are values 0..15, high nibbles 16..31; value = d·(q − 8). */
public final class Q4_0Codec implements Codec {
    static final int QK = 32, BYTES = 18;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            int y = dstOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 2 + j);
                dst[y + j] = d * ((q & 0xF) - 8);
                dst[y + j + 16] = d * ((q >> 4) - 8);
            }
        }
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_0;
    }

    /** ggml_vec_dot_q4_0_q8_0: Σ_blocks (Σ (q−8)·a) · d_w · d_a. */
    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] a = x.q;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, o + 2 + j);
                isum += ((q & 0xF) - 8) * a[xo + j] + ((q >> 4) - 8) * a[xo + j + 16];
            }
            sum += isum * (f16(w, o) * x.d[xo / QK]);
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q4_0_ref: d = max/−8 (max = the value of largest magnitude), q = min(15, (int)(x/d + 8.5)). */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            int s = srcOff + b * QK;
            long o = dstOffset + (long) b * BYTES;
            float amax = 0, max = 0;
            for (int j = 0; j < QK; j++) {
                float v = src[s + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0;
            Blocks.putF16(dst, o, d);
            for (int j = 0; j < 16; j++) {
                int x0 = Math.min(15, (int) (src[s + j] * id + 8.5f));
                int x1 = Math.min(15, (int) (src[s + j + 16] * id + 8.5f));
                Blocks.putU8(dst, o + 2 + j, x0 | (x1 << 4));
            }
        }
    }
}
