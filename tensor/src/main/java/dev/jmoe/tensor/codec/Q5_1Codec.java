package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u32;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/** Q5_1: blocks of 32 = {@code fp16 d, m; u32 qh; u8 qs[16]}; value = d·q + m, q in 0..31 (bit 4 from qh). */
public final class Q5_1Codec implements Codec {
    static final int QK = 32, BYTES = 24;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    static void unpack(MemorySegment s, long o, int[] q) {
        int qh = u32(s, o);
        for (int j = 0; j < 16; j++) {
            int b = u8(s, o + 4 + j);
            q[j] = (b & 0xF) | ((qh >>> j) << 4 & 0x10);
            q[j + 16] = (b >> 4) | ((qh >>> (j + 12)) & 0x10);
        }
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        int[] q = new int[QK];
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o), m = f16(src, o + 2);
            unpack(src, o + 4, q);
            for (int j = 0; j < QK; j++) dst[dstOff + b * QK + j] = q[j] * d + m;
        }
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_1;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        int[] q = Blocks.SCRATCH.get();
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            unpack(w, o + 4, q);
            sum += Blocks.dot(q, 0, x.q, xo, QK) * (f16(w, o) * x.d[xo / QK]) + f16(w, o + 2) * x.s[xo / QK];
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q5_1_ref: d = (max − min)/31, m = min, q = (int)((x − min)/d + 0.5). */
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
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0;
            Blocks.putF16(dst, o, d);
            Blocks.putF16(dst, o + 2, min);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int x0 = (int) ((src[s + j] - min) * id + 0.5f) & 0xff;
                int x1 = (int) ((src[s + j + 16] - min) * id + 0.5f) & 0xff;
                Blocks.putU8(dst, o + 8 + j, (x0 & 0xF) | ((x1 & 0xF) << 4));
                qh |= ((x0 & 0x10) >>> 4) << j;
                qh |= ((x1 & 0x10) >>> 4) << (j + 16);
            }
            dst.set(dev.jmoe.tensor.Layouts.LE_INT, o + 4, qh);
        }
    }
}
