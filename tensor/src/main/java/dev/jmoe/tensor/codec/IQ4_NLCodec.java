package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/** IQ4_NL: blocks of 32 = {@code fp16 d; u8 qs[16]}; value = d·kvalues[nibble] (low nibbles 0..15, high 16..31). */
public final class IQ4_NLCodec implements Codec {
    static final int QK = 32, BYTES = 18;
    private static final byte[] K = IqTables.KVALUES_IQ4NL;

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 2 + j);
                dst[dstOff + b * QK + j] = d * K[q & 0xF];
                dst[dstOff + b * QK + j + 16] = d * K[q >> 4];
            }
        }
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_0;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, o + 2 + j);
                isum += K[q & 0xF] * x.q[xo + j] + K[q >> 4] * x.q[xo + j + 16];
            }
            sum += isum * (f16(w, o) * x.d[xo / QK]);
        }
        return sum;
    }
}
