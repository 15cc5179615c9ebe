package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.KQuants.GROUP_MAX_EPS;
import static dev.jmoe.tensor.codec.KQuants.QK_K;
import static dev.jmoe.tensor.codec.KQuants.f16;
import static dev.jmoe.tensor.codec.KQuants.nearestInt;
import static dev.jmoe.tensor.codec.KQuants.put8;
import static dev.jmoe.tensor.codec.KQuants.putF16;
import static dev.jmoe.tensor.codec.KQuants.s8;
import static dev.jmoe.tensor.codec.KQuants.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * Q6_K: super-blocks of 256 = {@code u8 ql[128]; u8 qh[64]; i8 scales[16]; fp16 d} (210 bytes). Value e (half
 * h = e/128, quarter k = (e%128)/32, l = e%32): q = low nibble (k even) or high nibble (k odd) of
 * {@code ql[64h + 32·(k&1) + l]} plus bits {@code 2k..2k+1} of {@code qh[32h + l]} as bits 4–5; value =
 * d·scales[e/16]·(q − 32).
 */
public final class Q6_KCodec implements Codec {
    static final int BYTES = 210;

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** dequantize_row_q6_K. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float d = f16(src, o + 208);
            long ql = o, qh = o + 128, sc = o + 192;
            int y = dstOff + i * QK_K;
            for (int nn = 0; nn < QK_K; nn += 128) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int q1 = ((u8(src, ql + l) & 0xF) | (((u8(src, qh + l) >> 0) & 3) << 4)) - 32;
                    int q2 = ((u8(src, ql + l + 32) & 0xF) | (((u8(src, qh + l) >> 2) & 3) << 4)) - 32;
                    int q3 = ((u8(src, ql + l) >> 4) | (((u8(src, qh + l) >> 4) & 3) << 4)) - 32;
                    int q4 = ((u8(src, ql + l + 32) >> 4) | (((u8(src, qh + l) >> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * s8(src, sc + is) * q1;
                    dst[y + l + 32] = d * s8(src, sc + is + 2) * q2;
                    dst[y + l + 64] = d * s8(src, sc + is + 4) * q3;
                    dst[y + l + 96] = d * s8(src, sc + is + 6) * q4;
                }
                y += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }

    /** Per 16-value sub-block: scale once, then each value from its ql nibble and qh bit pair. */
    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float d = f16(src, o + 208);
            for (int sb = 0; sb < 16; sb++) {
                float ds = d * s8(src, o + 192 + sb);
                int h = sb >> 3, k = (sb >> 1) & 3, l0 = (sb & 1) * 16;
                long ql = o + 64 * h + 32 * (k & 1), qh = o + 128 + 32 * h;
                int nib = (k >> 1) * 4, hs = 2 * k;
                int y = dstOff + i * QK_K + 16 * sb;
                for (int l = 0; l < 16; l++) {
                    int q = ((u8(src, ql + l0 + l) >> nib) & 0xF) | (((u8(src, qh + l0 + l) >> hs) & 3) << 4);
                    dst[y + l] = ds * (q - 32);
                }
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        // VECTOR first: without it the Vector API classes may be absent and Int8FloatKernels must not load
        if (KQuants.VECTOR && Int8FloatKernels.ENABLED) return KFloatKernels.dotQ6_K(w, offset, x, xStart, n);
        return KQuants.VECTOR ? KVector.dotQ6K(w, offset, x, xStart, n) : dotScalar(w, offset, x, xStart, n);
    }

    /**
     * ggml_vec_dot_q6_K_q8_K in integers, with the −32 offset taken out through the block sums as the x86 kernel does:
     * {@code sumi = Σ_sb sc[sb]·(Σ q·q8 − 32·bsums[sb])}, q ∈ [0,63]; result += d_x·d·sumi.
     */
    public static float dotScalar(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            int xo = xStart + i * QK_K;
            int bs = xo / 16;
            int sumi = 0;
            for (int sb = 0; sb < 16; sb++) {
                int h = sb >> 3, k = (sb >> 1) & 3, l0 = (sb & 1) * 16;
                long ql = o + 64 * h + 32 * (k & 1), qh = o + 128 + 32 * h;
                int nib = (k >> 1) * 4, hs = 2 * k;
                int s = 0;
                for (int l = 0; l < 16; l++) {
                    int q = ((u8(w, ql + l0 + l) >> nib) & 0xF) | (((u8(w, qh + l0 + l) >> hs) & 3) << 4);
                    s += q * q8[xo + 16 * sb + l];
                }
                sumi += s8(w, o + 192 + sb) * (s - 32 * x.bsums[bs + sb]);
            }
            sum += x.d[xo / QK_K] * f16(w, o + 208) * sumi;
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q6_K_ref. */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        int[] L = new int[QK_K];
        float[] scales = new float[16];
        for (int i = 0; i < n / QK_K; i++) {
            int x = srcOff + i * QK_K;
            long o = dstOffset + (long) i * BYTES;
            float maxScale = 0, maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++) {
                float scale = KQuants.makeQxQuants(16, 32, src, x + 16 * ib, L, 16 * ib, 1);
                scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < GROUP_MAX_EPS) {
                for (int b = 0; b < BYTES; b++) put8(dst, o + b, 0);
                continue;
            }
            float iscale = -128.f / maxScale;
            putF16(dst, o + 208, 1 / iscale);
            for (int ib = 0; ib < 16; ib++) put8(dst, o + 192 + ib, Math.min(127, nearestInt(iscale * scales[ib])));
            for (int j = 0; j < 16; j++) {
                float d = f16(dst, o + 208) * s8(dst, o + 192 + j);
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt(src[x + 16 * j + ii] / d);
                    L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
                }
            }
            for (int j = 0; j < QK_K; j += 128) {
                long ql = o + j / 2, qh = o + 128 + j / 4;
                for (int l = 0; l < 32; l++) {
                    int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                    put8(dst, ql + l, q1 | (q3 << 4));
                    put8(dst, ql + l + 32, q2 | (q4 << 4));
                    put8(dst, qh + l, (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
                }
            }
        }
    }
}
