package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.u16;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;

/**
 * IQ2_XS (2.3125 bpw): blocks of 256 = {@code fp16 d; uint16 qs[32]; uint8 scales[8]} (74 bytes). Each uint16 is a
 * 9-bit index into iq2xs_grid (8 magnitudes) plus a 7-bit sign field; each scale byte holds two 4-bit scales, one
 * per 16 values; value = d·(0.5+s)/4 · grid · sign.
 */
public final class IQ2_XSCodec extends IqGridCodec {
    static final int QK = 256, BYTES = 74;

    @Override
    public GgmlType type() {
        return GgmlType.IQ2_XS;
    }

    @Override
    IqGridDots.Kind kind() {
        return IqGridDots.Kind.IQ2_XS;
    }

    /** As ggml's dequantize_row_iq2_xs. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        byte[] grid = IqTables.IQ2XS_GRID, ksigns = IqTables.KSIGNS_IQ2XS;
        int y = dstOff;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int ib = 0; ib < 8; ib++) {
                int sc = u8(src, o + 66 + ib);
                float db0 = d * (0.5f + (sc & 0xf)) * 0.25f;
                float db1 = d * (0.5f + (sc >> 4)) * 0.25f;
                for (int l = 0; l < 4; l++) {
                    int qs = u16(src, o + 2 + 2 * (4 * ib + l));
                    int gi = (qs & 511) * 8;
                    int signs = ksigns[qs >>> 9];
                    float db = l < 2 ? db0 : db1;
                    for (int j = 0; j < 8; j++) {
                        float v = db * grid[gi + j];
                        dst[y++] = (signs & (1 << j)) != 0 ? -v : v;
                    }
                }
            }
        }
    }

    /** As ggml_vec_dot_iq2_xs_q8_K_generic. */
    @Override
    float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] grid = IqTables.IQ2XS_GRID, ksigns = IqTables.KSIGNS_IQ2XS;
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            float d = f16(w, o) * x.d[xo / QK];
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                int sc = u8(w, o + 66 + ib);
                int sumi1 = 0, sumi2 = 0;
                for (int l = 0; l < 4; l++) {
                    int qs = u16(w, o + 2 + 2 * (4 * ib + l));
                    int gi = (qs & 511) * 8;
                    int signs = ksigns[qs >>> 9];
                    int q = xo + ib * 32 + l * 8;
                    int s = 0;
                    for (int j = 0; j < 8; j++) {
                        int p = grid[gi + j] * q8[q + j];
                        s += (signs & (1 << j)) != 0 ? -p : p;
                    }
                    if (l < 2) sumi1 += s;
                    else sumi2 += s;
                }
                bsum += sumi1 * (2 * (sc & 0xf) + 1) + sumi2 * (2 * (sc >> 4) + 1);
            }
            sumf += d * bsum;
        }
        return 0.125f * sumf;
    }
}
