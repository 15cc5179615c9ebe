package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.KQuants.QK_K;
import static dev.jmoe.tensor.codec.KQuants.f16;
import static dev.jmoe.tensor.codec.KQuants.nearestInt;
import static dev.jmoe.tensor.codec.KQuants.put8;
import static dev.jmoe.tensor.codec.KQuants.putF16;
import static dev.jmoe.tensor.codec.KQuants.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * Q2_K: super-blocks of 256 = {@code u8 scales[16]; u8 qs[64]; fp16 d; fp16 dmin} (84 bytes). Sixteen sub-blocks of
 * 16, each with a 4-bit scale (low nibble) and 4-bit min (high nibble); value e = 128h + 32j + 16k + l has
 * q = bits {@code 2j..2j+1} of {@code qs[32h + 16k + l]} and value = d·(sc&15)·q − dmin·(sc>>4) with sc = scales[e/16].
 */
public final class Q2_KCodec implements Codec {
    static final int BYTES = 84;

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** dequantize_row_q2_K. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        int y = dstOff;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float d = f16(src, o + 80), min = f16(src, o + 82);
            long q = o + 16;
            int is = 0;
            for (int nn = 0; nn < QK_K; nn += 128) {
                int shift = 0;
                for (int j = 0; j < 4; j++) {
                    int sc = u8(src, o + is++);
                    float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                    for (int l = 0; l < 16; l++) dst[y++] = dl * ((u8(src, q + l) >> shift) & 3) - ml;
                    sc = u8(src, o + is++);
                    dl = d * (sc & 0xF);
                    ml = min * (sc >> 4);
                    for (int l = 0; l < 16; l++) dst[y++] = dl * ((u8(src, q + l + 16) >> shift) & 3) - ml;
                    shift += 2;
                }
                q += 32;
            }
        }
    }

    /** One pass per sub-block e/16 with its scale and min. */
    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float d = f16(src, o + 80), min = f16(src, o + 82);
            for (int sb = 0; sb < 16; sb++) {
                int sc = u8(src, o + sb);
                float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                int h = sb >> 3, j = (sb >> 1) & 3, k = sb & 1;
                long q = o + 16 + 32 * h + 16 * k;
                int y = dstOff + i * QK_K + 16 * sb;
                for (int l = 0; l < 16; l++) dst[y + l] = dl * ((u8(src, q + l) >> (2 * j)) & 3) - ml;
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return KQuants.VECTOR ? KVector.dotQ2K(w, offset, x, xStart, n) : dotScalar(w, offset, x, xStart, n);
    }

    /**
     * ggml_vec_dot_q2_K_q8_K: {@code sumi = Σ_sb (sc&15)·Σ q·q8}, {@code summs = Σ_sb (sc>>4)·bsums[sb]};
     * result += d_x·d·sumi − d_x·dmin·summs.
     */
    public static float dotScalar(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            int xo = xStart + i * QK_K;
            int bs = xo / 16;
            int sumi = 0, summs = 0;
            for (int sb = 0; sb < 16; sb++) {
                int sc = u8(w, o + sb);
                int h = sb >> 3, j = (sb >> 1) & 3, k = sb & 1;
                long q = o + 16 + 32 * h + 16 * k;
                int s = 0;
                for (int l = 0; l < 16; l++) s += ((u8(w, q + l) >> (2 * j)) & 3) * q8[xo + 16 * sb + l];
                sumi += (sc & 0xF) * s;
                summs += (sc >> 4) * x.bsums[bs + sb];
            }
            float dx = x.d[xo / QK_K];
            sum += dx * f16(w, o + 80) * sumi - dx * f16(w, o + 82) * summs;
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q2_K_ref. */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        int[] L = new int[QK_K], laux = new int[16];
        float[] weights = new float[16], mins = new float[16], scales = new float[16];
        final float q4scale = 15.f;
        for (int i = 0; i < n / QK_K; i++) {
            int x = srcOff + i * QK_K;
            long o = dstOffset + (long) i * BYTES;
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 16; j++) {
                for (int l = 0; l < 16; l++) weights[l] = Math.abs(src[x + 16 * j + l]);
                scales[j] = KQuants.makeQkx2Quants(16, 3, src, x + 16 * j, weights, L, 16 * j, mins, j, laux, -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            int[] sc = new int[16];
            if (maxScale > 0) {
                float iscale = q4scale / maxScale;
                for (int j = 0; j < 16; j++) sc[j] = nearestInt(iscale * scales[j]) & 0xFF;
                putF16(dst, o + 80, maxScale / q4scale);
            } else {
                putF16(dst, o + 80, 0.f);
            }
            if (maxMin > 0) {
                float iscale = q4scale / maxMin;
                for (int j = 0; j < 16; j++) sc[j] = (sc[j] | (nearestInt(iscale * mins[j]) << 4)) & 0xFF;
                putF16(dst, o + 82, maxMin / q4scale);
            } else {
                putF16(dst, o + 82, 0.f);
            }
            for (int j = 0; j < 16; j++) put8(dst, o + j, sc[j]);
            for (int j = 0; j < 16; j++) {
                float d = f16(dst, o + 80) * (sc[j] & 0xF);
                if (d == 0) continue;
                float dm = f16(dst, o + 82) * (sc[j] >> 4);
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt((src[x + 16 * j + ii] + dm) / d);
                    L[16 * j + ii] = Math.max(0, Math.min(3, l));
                }
            }
            for (int j = 0; j < QK_K; j += 128) {
                for (int l = 0; l < 32; l++) {
                    put8(dst, o + 16 + j / 4 + l, L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
                }
            }
        }
    }
}
