package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.u16;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;

/**
 * IQ1_S (1.5625 bpw): blocks of 256 = {@code fp16 d; uint8 qs[32]; uint16 qh[8]} (50 bytes). Per 32 values one qh
 * word: four 3-bit high parts of 11-bit iq1s_grid indices (8 values in {-1,0,1} each), a 3-bit scale s and the
 * sign of a shift δ = ±1/8; value = d·(2s+1) · (grid + δ).
 */
public final class IQ1_SCodec extends IqGridCodec {
    static final int QK = 256, BYTES = 50;
    static final float DELTA = 0.125f;

    @Override
    public GgmlType type() {
        return GgmlType.IQ1_S;
    }

    @Override
    IqGridDots.Kind kind() {
        return IqGridDots.Kind.IQ1_S;
    }

    @Override
    float dotNarrow(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return IqVector.dotIq1S(w, offset, x, xStart, n);
    }

    /** As ggml's dequantize_row_iq1_s. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        byte[] grid = IqTables.IQ1S_GRID;
        int y = dstOff;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int ib = 0; ib < 8; ib++) {
                int qh = u16(src, o + 34 + 2 * ib);
                float dl = d * (2 * ((qh >> 12) & 7) + 1);
                float delta = (qh & 0x8000) != 0 ? -DELTA : DELTA;
                for (int l = 0; l < 4; l++) {
                    int gi = (u8(src, o + 2 + 4 * ib + l) | (((qh >> 3 * l) & 7) << 8)) * 8;
                    for (int j = 0; j < 8; j++) dst[y++] = dl * (grid[gi + j] + delta);
                }
            }
        }
    }

    /**
     * As ggml_vec_dot_iq1_s_q8_K_generic: Σ ls·(grid·q8) plus the δ term from the activations' 16-value sums,
     * {@code d_w·d_x·(sumi + δ·sumi1)}.
     */
    @Override
    float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] grid = IqTables.IQ1S_GRID;
        byte[] q8 = x.q;
        short[] bsums = x.bsums;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            int sumi = 0, sumi1 = 0;
            for (int ib = 0; ib < 8; ib++) {
                int qh = u16(w, o + 34 + 2 * ib);
                int ls = 2 * ((qh >> 12) & 7) + 1;
                int delta = (qh & 0x8000) != 0 ? -1 : 1;
                int lsum = 0;
                for (int l = 0; l < 4; l++) {
                    int gi = (u8(w, o + 2 + 4 * ib + l) | (((qh >> 3 * l) & 7) << 8)) * 8;
                    int q = xo + ib * 32 + l * 8;
                    for (int j = 0; j < 8; j++) lsum += q8[q + j] * grid[gi + j];
                }
                sumi += ls * lsum;
                int bs = xo / 16 + 2 * ib;
                sumi1 += ls * delta * (bsums[bs] + bsums[bs + 1]);
            }
            sumf += f16(w, o) * x.d[xo / QK] * (sumi + DELTA * sumi1);
        }
        return sumf;
    }
}
