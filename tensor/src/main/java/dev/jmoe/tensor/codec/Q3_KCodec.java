package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_INT;
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
 * Q3_K: super-blocks of 256 = {@code u8 hmask[32]; u8 qs[64]; u8 scales[12]; fp16 d} (110 bytes). Sixteen 6-bit
 * scales (stored +32): low 4 bits in nibbles of {@code scales[0..7]}, high 2 bits in {@code scales[8..11]}. Value
 * e = 128h + 32j + 16k + l: low bits = bits {@code 2j..2j+1} of {@code qs[32h + 16k + l]}, high bit = bit
 * {@code 4h + j} of {@code hmask[16k + l]}; q = low − (high ? 0 : 4) ∈ [−4, 3]; value = d·(sc − 32)·q.
 */
public final class Q3_KCodec implements Codec {
    static final int BYTES = 110;

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** dequantize_row_q3_K, with its kmask1/kmask2 unpacking of the scales. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        final int kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
        int[] aux = new int[4];
        int y = dstOff;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float dAll = f16(src, o + 108);
            long q = o + 32, hm = o;
            int m = 1;
            for (int k = 0; k < 3; k++) aux[k] = src.get(LE_INT, o + 96 + 4 * k);
            int tmp = aux[2];
            aux[2] = ((aux[0] >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4);
            aux[3] = ((aux[1] >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4);
            aux[0] = (aux[0] & kmask2) | (((tmp >>> 0) & kmask1) << 4);
            aux[1] = (aux[1] & kmask2) | (((tmp >>> 2) & kmask1) << 4);
            int is = 0;
            for (int nn = 0; nn < QK_K; nn += 128) {
                int shift = 0;
                for (int j = 0; j < 4; j++) {
                    float dl = dAll * (scaleByte(aux, is++) - 32);
                    for (int l = 0; l < 16; l++) dst[y++] = dl * (((u8(src, q + l) >> shift) & 3) - ((u8(src, hm + l) & m) != 0 ? 0 : 4));
                    dl = dAll * (scaleByte(aux, is++) - 32);
                    for (int l = 0; l < 16; l++) dst[y++] = dl * (((u8(src, q + l + 16) >> shift) & 3) - ((u8(src, hm + l + 16) & m) != 0 ? 0 : 4));
                    shift += 2;
                    m <<= 1;
                }
                q += 32;
            }
        }
    }

    /** Byte {@code k} of the little-endian int array (the C code's {@code (int8_t*)aux}). */
    private static int scaleByte(int[] aux, int k) {
        return (byte) (aux[k >> 2] >>> (8 * (k & 3)));
    }

    /** Scale of sub-block {@code j} (0..15), minus 32, decoded as the quantizer packs it. */
    static int scale(MemorySegment s, long o, int j) {
        int lo = j < 8 ? u8(s, o + 96 + j) & 0xF : u8(s, o + 96 + j - 8) >> 4;
        int hi = (u8(s, o + 96 + 8 + (j & 3)) >> (2 * (j >> 2))) & 3;
        return (lo | (hi << 4)) - 32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            float dAll = f16(src, o + 108);
            for (int sb = 0; sb < 16; sb++) {
                float dl = dAll * scale(src, o, sb);
                int h = sb >> 3, j = (sb >> 1) & 3, k = sb & 1;
                long q = o + 32 + 32 * h + 16 * k, hm = o + 16 * k;
                int bit = 4 * h + j;
                int y = dstOff + i * QK_K + 16 * sb;
                for (int l = 0; l < 16; l++) {
                    int v = ((u8(src, q + l) >> (2 * j)) & 3) - 4 + (((u8(src, hm + l) >> bit) & 1) << 2);
                    dst[y + l] = dl * v;
                }
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return KQuants.VECTOR ? KVector.dotQ3K(w, offset, x, xStart, n) : dotScalar(w, offset, x, xStart, n);
    }

    /** ggml_vec_dot_q3_K_q8_K: {@code sumi = Σ_sb (sc−32)·Σ q·q8} with q ∈ [−4,3]; result += d_x·d·sumi. */
    public static float dotScalar(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q8 = x.q;
        float sum = 0;
        for (int i = 0; i < n / QK_K; i++) {
            long o = offset + (long) i * BYTES;
            int xo = xStart + i * QK_K;
            int sumi = 0;
            for (int sb = 0; sb < 16; sb++) {
                int h = sb >> 3, j = (sb >> 1) & 3, k = sb & 1;
                long q = o + 32 + 32 * h + 16 * k, hm = o + 16 * k;
                int bit = 4 * h + j;
                int s = 0;
                for (int l = 0; l < 16; l++) {
                    int v = ((u8(w, q + l) >> (2 * j)) & 3) - 4 + (((u8(w, hm + l) >> bit) & 1) << 2);
                    s += v * q8[xo + 16 * sb + l];
                }
                sumi += scale(w, o, sb) * s;
            }
            sum += x.d[xo / QK_K] * f16(w, o + 108) * sumi;
        }
        return sum;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** quantize_row_q3_K_ref. */
    @Override
    public void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        int[] L = new int[QK_K];
        float[] scales = new float[16];
        for (int i = 0; i < n / QK_K; i++) {
            int x = srcOff + i * QK_K;
            long o = dstOffset + (long) i * BYTES;
            float maxScale = 0, amax = 0;
            for (int j = 0; j < 16; j++) {
                scales[j] = KQuants.makeQ3Quants(16, 4, src, x + 16 * j, L, 16 * j, true);
                float scale = Math.abs(scales[j]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            int[] sc = new int[12];
            if (maxScale != 0) {
                float iscale = -32.f / maxScale;
                for (int j = 0; j < 16; j++) {
                    int l = (byte) nearestInt(iscale * scales[j]);
                    l = Math.max(-32, Math.min(31, l)) + 32;
                    if (j < 8) sc[j] = l & 0xF;
                    else sc[j - 8] |= (l & 0xF) << 4;
                    l >>= 4;
                    sc[j % 4 + 8] |= l << (2 * (j / 4));
                }
                putF16(dst, o + 108, 1 / iscale);
            } else {
                putF16(dst, o + 108, 0.f);
            }
            for (int k = 0; k < 12; k++) put8(dst, o + 96 + k, sc[k]);
            for (int j = 0; j < 16; j++) {
                float d = f16(dst, o + 108) * scale(dst, o, j);
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt(src[x + 16 * j + ii] / d);
                    L[16 * j + ii] = Math.max(-4, Math.min(3, l)) + 4;
                }
            }
            int[] hmask = new int[32];
            int m = 0, hm = 1;
            for (int j = 0; j < QK_K; j++) {
                if (L[j] > 3) {
                    hmask[m] |= hm;
                    L[j] -= 4;
                }
                if (++m == 32) {
                    m = 0;
                    hm <<= 1;
                }
            }
            for (int k = 0; k < 32; k++) put8(dst, o + k, hmask[k]);
            for (int j = 0; j < QK_K; j += 128) {
                for (int l = 0; l < 32; l++) {
                    put8(dst, o + 32 + j / 4 + l, L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
                }
            }
        }
    }
}
