package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.i32;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;

/**
 * IQ2_XXS (2.0625 bpw): blocks of 256 = {@code fp16 d; uint16 qs[32]} (66 bytes). Each 32-value group owns 8 bytes:
 * 4 grid indices (one byte each, into iq2xxs_grid: 8 magnitudes), then a uint32 holding four 7-bit sign fields
 * (expanded by ksigns_iq2xs) and a 4-bit scale s in the top bits; value = d·(0.5+s)/4 · grid · sign.
 */
public final class IQ2_XXSCodec extends IqGridCodec {
    static final int QK = 256, BYTES = 66;

    @Override
    public GgmlType type() {
        return GgmlType.IQ2_XXS;
    }

    @Override
    IqGridDots.Kind kind() {
        return IqGridDots.Kind.IQ2_XXS;
    }

    @Override
    float dotNarrow(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return IqVector.dotIq2Xxs(w, offset, x, xStart, n);
    }

    /** As ggml's dequantize_row_iq2_xxs. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        byte[] grid = IqTables.IQ2XXS_GRID, ksigns = IqTables.KSIGNS_IQ2XS;
        int y = dstOff;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int ib = 0; ib < 8; ib++) {
                long g = o + 2 + 8 * ib;
                int aux1 = i32(src, g + 4);
                float db = d * (0.5f + (aux1 >>> 28)) * 0.25f;
                for (int l = 0; l < 4; l++) {
                    int gi = u8(src, g + l) * 8;
                    int signs = ksigns[(aux1 >>> 7 * l) & 127];
                    for (int j = 0; j < 8; j++) {
                        float v = db * grid[gi + j];
                        dst[y++] = (signs & (1 << j)) != 0 ? -v : v;
                    }
                }
            }
        }
    }

    /** As ggml_vec_dot_iq2_xxs_q8_K_generic: integer sums per 32 values, scaled by 2s+1, then d_w·d_x/8. */
    @Override
    float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] grid = IqTables.IQ2XXS_GRID, ksigns = IqTables.KSIGNS_IQ2XS;
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            float d = f16(w, o) * x.d[xo / QK];
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                long g = o + 2 + 8 * ib;
                int aux1 = i32(w, g + 4);
                int ls = 2 * (aux1 >>> 28) + 1;
                int sumi = 0;
                for (int l = 0; l < 4; l++) {
                    int gi = u8(w, g + l) * 8;
                    int signs = ksigns[(aux1 >>> 7 * l) & 127];
                    int q = xo + ib * 32 + l * 8;
                    for (int j = 0; j < 8; j++) {
                        int p = grid[gi + j] * q8[q + j];
                        sumi += (signs & (1 << j)) != 0 ? -p : p;
                    }
                }
                bsum += sumi * ls;
            }
            sumf += d * bsum;
        }
        return 0.125f * sumf;
    }
}
