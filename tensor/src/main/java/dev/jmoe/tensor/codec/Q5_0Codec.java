package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u32;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * Q5_0: blocks of 32 = {@code fp16 d; u32 qh; u8 qs[16]}; value j = d·(q − 16) with the low 4 bits from the nibbles
 * (low nibbles: 0..15, high: 16..31) and bit 4 from qh bit j.
 */
public final class Q5_0Codec implements Codec {
    static final int QK = 32, BYTES = 22;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    static void unpack(MemorySegment s, long o, int[] q, int qOff) {
        int qh = u32(s, o);
        for (int j = 0; j < 16; j++) {
            int b = u8(s, o + 4 + j);
            q[qOff + j] = ((b & 0xF) | ((qh >>> j) << 4 & 0x10)) - 16;
            q[qOff + j + 16] = ((b >> 4) | ((qh >>> (j + 12)) & 0x10)) - 16;
        }
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        int[] q = new int[QK];
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            unpack(src, o + 2, q, 0);
            for (int j = 0; j < QK; j++) dst[dstOff + b * QK + j] = d * q[j];
        }
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_0;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        int[] q = Blocks.SCRATCH.get();
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            unpack(w, o + 2, q, 0);
            sum += Blocks.dot(q, 0, x.q, xo, QK) * (f16(w, o) * x.d[xo / QK]);
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q5_0_ref: d = max/−16, q = min(31, (int)(x/d + 16.5)). */
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
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0;
            Blocks.putF16(dst, o, d);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int x0 = Math.min(31, (int) (src[s + j] * id + 16.5f));
                int x1 = Math.min(31, (int) (src[s + j + 16] * id + 16.5f));
                Blocks.putU8(dst, o + 6 + j, (x0 & 0xF) | ((x1 & 0xF) << 4));
                qh |= ((x0 & 0x10) >>> 4) << j;
                qh |= ((x1 & 0x10) >>> 4) << (j + 16);
            }
            dst.set(dev.jmoe.tensor.Layouts.LE_INT, o + 2, qh);
        }
    }
}
