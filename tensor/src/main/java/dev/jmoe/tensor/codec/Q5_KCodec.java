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
 * Q5_K: super-blocks of 256 = {@code fp16 d; fp16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]} (176 bytes). As Q4_K
 * plus a fifth bit: value e in sub-block sb = e/32 takes bit {@code sb} of {@code qh[e%32]} as bit 4; q ∈ [0,31].
 */
public final class Q5_KCodec implements Codec {
    static final int BYTES = 176;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** dequantize_row_q5_K. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        int y = dstOff;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            long ql = o + 48, qh = o + 16;
            float d = f16(src, o), min = f16(src, o + 2);
            int is = 0, u1 = 1, u2 = 2;
            for (int j = 0; j < QK_K; j += 64) {
                float d1 = d * scaleK4(src, o + 4, is), m1 = min * minK4(src, o + 4, is);
                float d2 = d * scaleK4(src, o + 4, is + 1), m2 = min * minK4(src, o + 4, is + 1);
                for (int l = 0; l < 32; l++) dst[y++] = d1 * ((u8(src, ql + l) & 0xF) + ((u8(src, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                for (int l = 0; l < 32; l++) dst[y++] = d2 * ((u8(src, ql + l) >> 4) + ((u8(src, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                ql += 32;
                is += 2;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float d = f16(src, o), min = f16(src, o + 2);
            for (int c = 0; c < 4; c++) {
                float d1 = d * scaleK4(src, o + 4, 2 * c), m1 = min * minK4(src, o + 4, 2 * c);
                float d2 = d * scaleK4(src, o + 4, 2 * c + 1), m2 = min * minK4(src, o + 4, 2 * c + 1);
                int y = dstOff + i * QK_K + 64 * c;
                long ql = o + 48 + 32 * c;
                for (int l = 0; l < 32; l++) {
                    int b = u8(src, ql + l), h = u8(src, o + 16 + l) >> (2 * c);
                    dst[y + l] = d1 * ((b & 0xF) | ((h & 1) << 4)) - m1;
                    dst[y + 32 + l] = d2 * ((b >> 4) | ((h & 2) << 3)) - m2;
                }
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return KQuants.VECTOR ? KVector.dotQ5K(w, offset, x, xStart, n) : dotScalar(w, offset, x, xStart, n);
    }

    /** ggml_vec_dot_q5_K_q8_K in integers, mins through the block sums as for Q4_K. */
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
                long q = o + 48 + 32 * (sb >> 1);
                int s = 0;
                for (int l = 0; l < 32; l++) {
                    int v = ((u8(w, q + l) >> shift) & 0xF) | (((u8(w, o + 16 + l) >> sb) & 1) << 4);
                    s += v * q8[xo + 32 * sb + l];
                }
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

    /** quantize_row_q5_K_ref. */
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
                scales[j] = KQuants.makeQkx2Quants(32, 31, src, x + 32 * j, weights, L, 32 * j, mins, j, laux, -0.5f, 0.1f, 15, false);
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
                    L[32 * j + ii] = Math.max(0, Math.min(31, l));
                }
            }
            int[] qh = new int[32];
            int m1 = 1, m2 = 2;
            for (int nn = 0, ql = 0; nn < QK_K; nn += 64, ql += 32) {
                for (int j = 0; j < 32; j++) {
                    int l1 = L[nn + j];
                    if (l1 > 15) {
                        l1 -= 16;
                        qh[j] |= m1;
                    }
                    int l2 = L[nn + j + 32];
                    if (l2 > 15) {
                        l2 -= 16;
                        qh[j] |= m2;
                    }
                    put8(dst, o + 48 + ql + j, l1 | (l2 << 4));
                }
                m1 <<= 2;
                m2 <<= 2;
            }
            for (int j = 0; j < 32; j++) put8(dst, o + 16 + j, qh[j]);
        }
    }
}
