package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.i8;
import static dev.jmoe.tensor.codec.Blocks.put8;
import static dev.jmoe.tensor.codec.Blocks.putF16;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Rounding;
import java.lang.foreign.MemorySegment;

/**
 * Q8_1: blocks of 32 = {@code fp16 d; fp16 s; int8 qs[32]} (36 bytes); value = d · q, s = d · Σq. ggml uses it as the
 * activation format of Q4_1/Q5_1 dots (never as a weight type in practice); it is readable here for completeness.
 */
public final class Q8_1Codec implements Codec {
    static final int QK = 32, BYTES = 36;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_1;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_1;
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int j = 0; j < QK; j++) dst[dstOff + b * QK + j] = i8(src, o + 4 + j) * d;
        }
    }

    /** Σ_blocks d_w·d_x·Σ q_w·q_x (the block sums are not needed when both sides are symmetric). */
    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int isum = 0;
            for (int j = 0; j < QK; j++) isum += i8(w, o + 4 + j) * q8[xo + j];
            sum += isum * (f16(w, o) * x.d[xo / QK]);
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's quantize_row_q8_1_ref: d = amax/127, q = roundf(x/d), s = fp16(Σq · d). */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            int so = srcOff + b * QK;
            long o = dstOffset + (long) b * BYTES;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(src[so + j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            int sum = 0;
            for (int j = 0; j < QK; j++) {
                int q = Rounding.roundf(src[so + j] * id);
                put8(dst, o + 4 + j, q);
                sum += (byte) q;
            }
            putF16(dst, o, d);
            putF16(dst, o + 2, sum * d);
        }
    }
}
