package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.i8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Rounding;
import java.lang.foreign.MemorySegment;

/** Q8_1: blocks of 32 = {@code fp16 d, s; i8 qs[32]} with s = d·Σq; value = d·q. Mostly an activation format. */
public final class Q8_1Codec implements Codec {
    static final int QK = 32, BYTES = 36;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_1;
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int j = 0; j < QK; j++) dst[dstOff + b * QK + j] = d * i8(src, o + 4 + j);
        }
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_1;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int isum = 0;
            for (int j = 0; j < QK; j++) isum += i8(w, o + 4 + j) * x.q[xo + j];
            sum += isum * (f16(w, o) * x.d[xo / QK]);
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q8_1_ref: d = amax/127, q = roundf(x/d), s = d·Σq. */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            int s = srcOff + b * QK;
            long o = dstOffset + (long) b * BYTES;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(src[s + j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0;
            int sum = 0;
            for (int j = 0; j < QK; j++) {
                int q = Rounding.roundf(src[s + j] * id);
                sum += q;
                Blocks.putU8(dst, o + 4 + j, q);
            }
            Blocks.putF16(dst, o, d);
            Blocks.putF16(dst, o + 2, sum * d);
        }
    }

}
