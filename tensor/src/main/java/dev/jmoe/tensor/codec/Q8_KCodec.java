package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_FLOAT;
import static dev.jmoe.tensor.Layouts.LE_SHORT;
import static dev.jmoe.tensor.codec.KQuants.QK_K;
import static dev.jmoe.tensor.codec.KQuants.nearestInt;
import static dev.jmoe.tensor.codec.KQuants.put8;
import static dev.jmoe.tensor.codec.KQuants.s8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * Q8_K: blocks of 256 = {@code f32 d; i8 qs[256]; i16 bsums[16]} (292 bytes); value = d·q. ggml uses it for
 * activations only; as a weight its dot is the plain integer product with Q8_K activations.
 */
public final class Q8_KCodec implements Codec {
    static final int BYTES = 292;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** dequantize_row_q8_K. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float d = src.get(LE_FLOAT, o);
            for (int j = 0; j < QK_K; j++) dst[dstOff + i * QK_K + j] = d * s8(src, o + 4 + j);
        }
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return KQuants.VECTOR ? KVector.dotQ8K(w, offset, x, xStart, n) : dotScalar(w, offset, x, xStart, n);
    }

    /** Σ_blocks d_w·d_x·Σ q_w·q_x. */
    public static float dotScalar(MemorySegment w, long offset, Activations x, int xStart, int n) {
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            int xo = xStart + i * QK_K;
            int s = 0;
            for (int j = 0; j < QK_K; j++) s += s8(w, o + 4 + j) * x.q[xo + j];
            sum += x.d[xo / QK_K] * w.get(LE_FLOAT, o) * s;
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q8_K_ref: iscale = −127/max (max = the signed value of largest magnitude), d = 1/iscale. */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        for (int i = 0; i < n / QK_K; i++) {
            int x = srcOff + i * QK_K;
            long o = dstOffset + (long) i * BYTES;
            float max = 0, amax = 0;
            for (int j = 0; j < QK_K; j++) {
                float ax = Math.abs(src[x + j]);
                if (ax > amax) {
                    amax = ax;
                    max = src[x + j];
                }
            }
            if (amax == 0) {
                dst.set(LE_FLOAT, o, 0f);
                for (int j = 0; j < QK_K + 32; j++) put8(dst, o + 4 + j, 0);
                continue;
            }
            float iscale = -127.f / max;
            for (int j = 0; j < QK_K; j++) put8(dst, o + 4 + j, Math.min(127, nearestInt(iscale * src[x + j])));
            for (int j = 0; j < 16; j++) {
                int sum = 0;
                for (int ii = 0; ii < 16; ii++) sum += s8(dst, o + 4 + 16 * j + ii);
                dst.set(LE_SHORT, o + 260 + 2 * j, (short) sum);
            }
            dst.set(LE_FLOAT, o, 1 / iscale);
        }
    }
}
