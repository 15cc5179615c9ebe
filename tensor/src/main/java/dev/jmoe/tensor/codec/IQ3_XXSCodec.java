package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;
import static dev.jmoe.tensor.codec.Bytes.i32;
import static dev.jmoe.tensor.codec.Bytes.u8;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;

/**
 * IQ3_XXS (3.0625 bpw): blocks of 256 = {@code fp16 d; uint8 qs[96]} (98 bytes). {@code qs[0..64)} index
 * iq3xxs_grid (4 magnitudes each); {@code qs[64..96)} are eight uint32, one per 32 values: four 7-bit sign fields
 * (ksigns_iq2xs) and a 4-bit scale s on top; value = d·(0.5+s)/2 · grid · sign.
 */
public final class IQ3_XXSCodec extends IqGridCodec {
    static final int QK = 256, BYTES = 98;

    @Override
    public GgmlType type() {
        return GgmlType.IQ3_XXS;
    }

    @Override
    IqGridDots.Kind kind() {
        return IqGridDots.Kind.IQ3_XXS;
    }

    @Override
    float dotNarrow(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return IqVector.dotIq3Xxs(w, offset, x, xStart, n);
    }

    /** As ggml's dequantize_row_iq3_xxs. */
    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        byte[] grid = IqTables.IQ3XXS_GRID, ksigns = IqTables.KSIGNS_IQ2XS;
        int y = dstOff;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            float d = f16(src, o);
            for (int ib = 0; ib < 8; ib++) {
                int aux = i32(src, o + 2 + 64 + 4 * ib);
                float db = d * (0.5f + (aux >>> 28)) * 0.5f;
                for (int l = 0; l < 4; l++) {
                    int signs = ksigns[(aux >>> 7 * l) & 127];
                    int g1 = u8(src, o + 2 + 8 * ib + 2 * l) * 4, g2 = u8(src, o + 2 + 8 * ib + 2 * l + 1) * 4;
                    for (int j = 0; j < 8; j++) {
                        float v = db * (j < 4 ? grid[g1 + j] : grid[g2 + j - 4]);
                        dst[y++] = (signs & (1 << j)) != 0 ? -v : v;
                    }
                }
            }
        }
    }

    /** As ggml_vec_dot_iq3_xxs_q8_K_generic (scale 2s+1, then d_w·d_x/4). */
    @Override
    float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] grid = IqTables.IQ3XXS_GRID, ksigns = IqTables.KSIGNS_IQ2XS;
        byte[] q8 = x.q;
        float sumf = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * BYTES;
            int xo = xStart + b * QK;
            float d = f16(w, o) * x.d[xo / QK];
            int bsum = 0;
            for (int ib = 0; ib < 8; ib++) {
                int aux = i32(w, o + 2 + 64 + 4 * ib);
                int sumi = 0;
                for (int l = 0; l < 4; l++) {
                    int signs = ksigns[(aux >>> 7 * l) & 127];
                    int g1 = u8(w, o + 2 + 8 * ib + 2 * l) * 4, g2 = u8(w, o + 2 + 8 * ib + 2 * l + 1) * 4;
                    int q = xo + ib * 32 + l * 8;
                    for (int j = 0; j < 8; j++) {
                        int p = (j < 4 ? grid[g1 + j] : grid[g2 + j - 4]) * q8[q + j];
                        sumi += (signs & (1 << j)) != 0 ? -p : p;
                    }
                }
                bsum += sumi * (2 * (aux >>> 28) + 1);
            }
            sumf += d * bsum;
        }
        return 0.25f * sumf;
    }
}
