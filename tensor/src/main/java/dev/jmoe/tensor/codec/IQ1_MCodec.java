package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.u16;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;

/**
 * IQ1_M (1.75 bpw): blocks of 256 = {@code uint8 qs[32]; uint8 qh[16]; uint8 scales[8]} (56 bytes). Per 8 values an
 * 11-bit iq1s_grid index (low byte in qs, 3 high bits and the δ sign bit in a qh nibble); the scales, read as four
 * uint16, hold twelve 3-bit scales each (one per 16 values) and, in their top nibbles, the block's fp16 d;
 * value = d·(2s+1) · (grid + δ), δ = ±1/8.
 */
public final class IQ1_MCodec extends IqGridCodec {
    static final int QK = 256, BYTES = 56;
    static final float DELTA = 0.125f;

    @Override
    public GgmlType type() {
        return GgmlType.IQ1_M;
    }

    @Override
    IqGridDots.Kind kind() {
        return IqGridDots.Kind.IQ1_M;
    }

    /** The fp16 super-block scale spread over the top nibbles of the four scale words. */
    static float scale(MemorySegment s, long o) {
        int s0 = u16(s, o + 48), s1 = u16(s, o + 50), s2 = u16(s, o + 52), s3 = u16(s, o + 54);
        int u = (s0 >> 12) | ((s1 >> 8) & 0x00f0) | ((s2 >> 4) & 0x0f00) | (s3 & 0xf000);
        return Half.toFloat((short) u);
    }

    /** 3-bit scale of 16 values: ib = 32-value group, h = its half. */
    static int subScale(MemorySegment s, long o, int ib, int h) {
        return (u16(s, o + 48 + 2 * (ib / 2)) >> (6 * (ib % 2) + 3 * h)) & 7;
    }

    /** Grid index of the 8 values l (0..3) of group ib. */
    static int index(MemorySegment s, long o, int ib, int l) {
        int qh = u8(s, o + 32 + 2 * ib + l / 2);
        return u8(s, o + 4 * ib + l) | ((l % 2 == 0 ? qh << 8 : qh << 4) & 0x700);
    }

    static boolean negativeDelta(MemorySegment s, long o, int ib, int l) {
        int qh = u8(s, o + 32 + 2 * ib + l / 2);
        return (qh & (l % 2 == 0 ? 0x08 : 0x80)) != 0;
    }

    /** As ggml's dequantize_row_iq1_m. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        byte[] grid = IqTables.IQ1S_GRID;
        int y = dstOff;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = scale(src, o);
            for (int ib = 0; ib < 8; ib++) {
                float dl1 = d * (2 * subScale(src, o, ib, 0) + 1);
                float dl2 = d * (2 * subScale(src, o, ib, 1) + 1);
                for (int l = 0; l < 4; l++) {
                    int gi = index(src, o, ib, l) * 8;
                    float delta = negativeDelta(src, o, ib, l) ? -DELTA : DELTA;
                    float dl = l < 2 ? dl1 : dl2;
                    for (int j = 0; j < 8; j++) dst[y++] = dl * (grid[gi + j] + delta);
                }
            }
        }
    }

    /** As ggml_vec_dot_iq1_m_q8_K_generic: d_w·d_x·(Σ ls·grid·q8 + δ·Σ ls·±Σq8). */
    @Override
    float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] grid = IqTables.IQ1S_GRID;
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int sumi1 = 0, sumi2 = 0;
            for (int ib = 0; ib < 8; ib++) {
                int sum1a = 0, sum1b = 0, sum2a = 0, sum2b = 0;
                for (int l = 0; l < 4; l++) {
                    int gi = index(w, o, ib, l) * 8;
                    int q = xo + ib * 32 + l * 8;
                    int lsum1 = 0, lsum2 = 0;
                    for (int j = 0; j < 8; j++) {
                        lsum1 += q8[q + j] * grid[gi + j];
                        lsum2 += q8[q + j];
                    }
                    if (negativeDelta(w, o, ib, l)) lsum2 = -lsum2;
                    if (l < 2) {
                        sum1a += lsum1;
                        sum2a += lsum2;
                    } else {
                        sum1b += lsum1;
                        sum2b += lsum2;
                    }
                }
                int ls1 = 2 * subScale(w, o, ib, 0) + 1, ls2 = 2 * subScale(w, o, ib, 1) + 1;
                sumi1 += sum1a * ls1 + sum1b * ls2;
                sumi2 += sum2a * ls1 + sum2b * ls2;
            }
            sumf += scale(w, o) * x.d[xo / QK] * (sumi1 + DELTA * sumi2);
        }
        return sumf;
    }
}
