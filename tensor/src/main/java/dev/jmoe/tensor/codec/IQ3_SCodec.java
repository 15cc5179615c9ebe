package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;

/**
 * IQ3_S (3.4375 bpw): blocks of 256 = {@code fp16 d; uint8 qs[64]; uint8 qh[8]; uint8 signs[32]; uint8 scales[4]}
 * (110 bytes). Each qs byte plus one qh bit is a 9-bit iq3s_grid index (4 magnitudes); one sign byte per 8 values;
 * one 4-bit scale per 32 values; value = d·(1+2s) · grid · sign.
 */
public final class IQ3_SCodec extends IqGridCodec {
    static final int QK = 256, BYTES = 110;
    static final int QS = 2, QH = 66, SIGNS = 74, SCALES = 106;

    @Override
    public GgmlType type() {
        return GgmlType.IQ3_S;
    }

    /** Grid index k (0..63) of a block: qs[k] with bit k%8 of qh[k/8] as bit 8. */
    static int index(MemorySegment s, long o, int k) {
        return u8(s, o + QS + k) | (((u8(s, o + QH + k / 8) >> (k % 8)) & 1) << 8);
    }

    /** As ggml's dequantize_row_iq3_s. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        byte[] grid = IqTables.IQ3S_GRID;
        int y = dstOff;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int ib = 0; ib < 8; ib++) {
                int sc = u8(src, o + SCALES + ib / 2);
                float db = d * (1 + 2 * ((ib % 2 == 0 ? sc : sc >> 4) & 0xf));
                for (int l = 0; l < 4; l++) {
                    int signs = u8(src, o + SIGNS + 4 * ib + l);
                    int g1 = index(src, o, 8 * ib + 2 * l) * 4, g2 = index(src, o, 8 * ib + 2 * l + 1) * 4;
                    for (int j = 0; j < 8; j++) {
                        float v = db * (j < 4 ? grid[g1 + j] : grid[g2 + j - 4]);
                        dst[y++] = (signs & (1 << j)) != 0 ? -v : v;
                    }
                }
            }
        }
    }

    @Override
    IqGridDots.Kind kind() {
        return IqGridDots.Kind.IQ3_S;
    }

    @Override
    float dotNarrow(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return IqVector.dotIq3S(w, offset, x, xStart, n);
    }

    @Override
    float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] grid = IqTables.IQ3S_GRID;
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            float d = f16(w, o) * x.d[xo / QK];
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                int sc = u8(w, o + SCALES + ib / 2);
                int ls = 2 * ((ib % 2 == 0 ? sc : sc >> 4) & 0xf) + 1;
                int sumi = 0;
                for (int l = 0; l < 4; l++) {
                    int signs = u8(w, o + SIGNS + 4 * ib + l);
                    int g1 = index(w, o, 8 * ib + 2 * l) * 4, g2 = index(w, o, 8 * ib + 2 * l + 1) * 4;
                    int q = xo + ib * 32 + l * 8;
                    for (int j = 0; j < 8; j++) {
                        int p = (j < 4 ? grid[g1 + j] : grid[g2 + j - 4]) * q8[q + j];
                        sumi += (signs & (1 << j)) != 0 ? -p : p;
                    }
                }
                bsum += sumi * ls;
            }
            sumf += d * bsum;
        }
        return sumf;
    }
}
