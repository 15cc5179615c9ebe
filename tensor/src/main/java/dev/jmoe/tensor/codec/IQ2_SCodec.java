package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;

/**
 * IQ2_S (2.5625 bpw): blocks of 256 = {@code fp16 d; uint8 qs[64]; uint8 qh[8]; uint8 scales[8]} (82 bytes).
 * {@code qs[0..32)} are the low 8 bits of 10-bit iq2s_grid indices (high 2 bits in qh, 2 per group of 8),
 * {@code qs[32..64)} explicit sign bytes; two 4-bit scales per 32 values; value = d·(0.5+s)/4 · grid · sign.
 */
public final class IQ2_SCodec extends IqGridCodec {
    static final int QK = 256, BYTES = 82;

    @Override
    public GgmlType type() {
        return GgmlType.IQ2_S;
    }

    static int index(MemorySegment s, long o, int ib, int l) {
        return u8(s, o + 2 + 4 * ib + l) | ((u8(s, o + 66 + ib) << (8 - 2 * l)) & 0x300);
    }

    @Override
    IqGridDots.Kind kind() {
        return IqGridDots.Kind.IQ2_S;
    }

    @Override
    float dotNarrow(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return IqVector.dotIq2S(w, offset, x, xStart, n);
    }

    /** As ggml's dequantize_row_iq2_s. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        byte[] grid = IqTables.IQ2S_GRID;
        int y = dstOff;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int ib = 0; ib < 8; ib++) {
                int sc = u8(src, o + 74 + ib);
                float db0 = d * (0.5f + (sc & 0xf)) * 0.25f;
                float db1 = d * (0.5f + (sc >> 4)) * 0.25f;
                for (int l = 0; l < 4; l++) {
                    float dl = l < 2 ? db0 : db1;
                    int gi = index(src, o, ib, l) * 8;
                    int signs = u8(src, o + 2 + 32 + 4 * ib + l);
                    for (int j = 0; j < 8; j++) {
                        float v = dl * grid[gi + j];
                        dst[y++] = (signs & (1 << j)) != 0 ? -v : v;
                    }
                }
            }
        }
    }

    /** As ggml_vec_dot_iq2_s_q8_K_generic. */
    @Override
    float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] grid = IqTables.IQ2S_GRID;
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            float d = f16(w, o) * x.d[xo / QK];
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                int sc = u8(w, o + 74 + ib);
                int sumi1 = 0, sumi2 = 0;
                for (int l = 0; l < 4; l++) {
                    int gi = index(w, o, ib, l) * 8;
                    int signs = u8(w, o + 2 + 32 + 4 * ib + l);
                    int q = xo + ib * 32 + l * 8;
                    int s = 0;
                    for (int j = 0; j < 8; j++) {
                        int p = q8[q + j] * grid[gi + j];
                        s += (signs & (1 << j)) != 0 ? -p : p;
                    }
                    if (l < 2) sumi1 += s;
                    else sumi2 += s;
                }
                bsum += (1 + 2 * (sc & 0xf)) * sumi1 + (1 + 2 * (sc >> 4)) * sumi2;
            }
            sumf += d * bsum;
        }
        return 0.125f * sumf;
    }
}
