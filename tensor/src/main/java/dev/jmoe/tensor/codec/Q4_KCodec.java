package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.KQuants.QK_K;
import static dev.jmoe.tensor.codec.KQuants.f16;
import static dev.jmoe.tensor.codec.KQuants.minK4;
import static dev.jmoe.tensor.codec.KQuants.nearestInt;
import static dev.jmoe.tensor.codec.KQuants.put8;
import static dev.jmoe.tensor.codec.KQuants.putF16;
import static dev.jmoe.tensor.codec.KQuants.scaleK4;
import static dev.jmoe.tensor.codec.KQuants.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * Q4_K: super-blocks of 256 = {@code fp16 d; fp16 dmin; u8 scales[12]; u8 qs[128]} (144 bytes). Eight sub-blocks of
 * 32 with 6-bit scale {@code sc} and min {@code m} (get_scale_min_k4 packing); value = d·sc·q − dmin·m, q ∈ [0,15].
 * Sub-block {@code sb} reads the low (even sb) or high (odd sb) nibbles of {@code qs[32·(sb/2) ..]}.
 */
public final class Q4_KCodec implements Codec {
    static final int BYTES = 144;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** dequantize_row_q4_K. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        int y = dstOff;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float d = f16(src, o), min = f16(src, o + 2);
            long q = o + 16;
            int is = 0;
            for (int j = 0; j < QK_K; j += 64) {
                float d1 = d * scaleK4(src, o + 4, is), m1 = min * minK4(src, o + 4, is);
                float d2 = d * scaleK4(src, o + 4, is + 1), m2 = min * minK4(src, o + 4, is + 1);
                for (int l = 0; l < 32; l++) dst[y++] = d1 * (u8(src, q + l) & 0xF) - m1;
                for (int l = 0; l < 32; l++) dst[y++] = d2 * (u8(src, q + l) >> 4) - m2;
                q += 32;
                is += 2;
            }
        }
    }

    /** Whole block's bytes read once, each byte giving its two nibbles. */
    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float d = f16(src, o), min = f16(src, o + 2);
            int base = dstOff + i * QK_K;
            for (int c = 0; c < 4; c++) {
                float d1 = d * scaleK4(src, o + 4, 2 * c), m1 = min * minK4(src, o + 4, 2 * c);
                float d2 = d * scaleK4(src, o + 4, 2 * c + 1), m2 = min * minK4(src, o + 4, 2 * c + 1);
                int y = base + 64 * c;
                long q = o + 16 + 32 * c;
                for (int l = 0; l < 32; l++) {
                    int b = u8(src, q + l);
                    dst[y + l] = d1 * (b & 0xF) - m1;
                    dst[y + 32 + l] = d2 * (b >> 4) - m2;
                }
            }
        }
    }

    @Override
    public void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        // VECTOR first, as in dot
        if (KQuants.VECTOR && Q4KFloatKernels.ENABLED && x.order() == dev.jmoe.tensor.DotOrder.FAST) Q4KFloatKernels.rows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
        else Codec.super.dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        // VECTOR first: without it the Vector API classes may be absent and Int8FloatKernels must not load
        if (KQuants.VECTOR && Int8FloatKernels.ENABLED) return KFloatKernels.dotQ4_K(w, offset, x, xStart, n);
        return KQuants.VECTOR ? KVector.dotQ4K(w, offset, x, xStart, n) : dotScalar(w, offset, x, xStart, n);
    }

    /**
     * ggml_vec_dot_q4_K_q8_K in integers: per super-block {@code sumi = Σ_sb sc[sb]·Σ q·q8} and
     * {@code summs = Σ_sb m[sb]·(bsums[2sb] + bsums[2sb+1])}; result += d_x·d·sumi − d_x·dmin·summs.
     */
    public static float dotScalar(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            int xo = xStart + i * QK_K;
            int bs = xo / 16;
            int sumi = 0, summs = 0;
            for (int sb = 0; sb < 8; sb++) {
                int shift = (sb & 1) * 4;
                long q = o + 16 + 32 * (sb >> 1);
                int s = 0;
                for (int l = 0; l < 32; l++) s += ((u8(w, q + l) >> shift) & 0xF) * q8[xo + 32 * sb + l];
                sumi += scaleK4(w, o + 4, sb) * s;
                summs += minK4(w, o + 4, sb) * (x.bsums[bs + 2 * sb] + x.bsums[bs + 2 * sb + 1]);
            }
            float dx = x.d[xo / QK_K];
            sum += dx * f16(w, o) * sumi - dx * f16(w, o + 2) * summs;
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q4_K_ref (what llama-quantize runs without an importance matrix). */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        int[] L = new int[QK_K], laux = new int[32];
        float[] weights = new float[32], mins = new float[8], scales = new float[8];
        for (int i = 0; i < n / QK_K; i++) {
            int x = srcOff + i * QK_K;
            long o = dstOffset + (long) i * BYTES;
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 8; j++) {
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += src[x + 32 * j + l] * src[x + 32 * j + l];
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(src[x + 32 * j + l]);
                scales[j] = KQuants.makeQkx2Quants(32, 15, src, x + 32 * j, weights, L, 32 * j, mins, j, laux, -1.f, 0.1f, 20, false);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            KScales.packK4(dst, o + 4, scales, mins, maxScale, maxMin);
            putF16(dst, o, maxScale / 63.f);
            putF16(dst, o + 2, maxMin / 63.f);
            for (int j = 0; j < 8; j++) {
                float d = f16(dst, o) * scaleK4(dst, o + 4, j);
                if (d == 0) continue;
                float dm = f16(dst, o + 2) * minK4(dst, o + 4, j);
                for (int ii = 0; ii < 32; ii++) {
                    int l = nearestInt((src[x + 32 * j + ii] + dm) / d);
                    L[32 * j + ii] = Math.max(0, Math.min(15, l));
                }
            }
            for (int j = 0, q = 0; j < QK_K; j += 64, q += 32) {
                for (int l = 0; l < 32; l++) put8(dst, o + 16 + q + l, L[j + l] | (L[j + l + 32] << 4));
            }
        }
    }
}
