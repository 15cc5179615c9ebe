package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Bytes.f16;

import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * Vector API dot products of the codebook IQ types (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S) against
 * Q8_K, and of IQ4_XS in the FAST order: each type's blocks are read into an {@link IqRow} ({@link IqDecoders}), the
 * row gathers and dots, and the exact integer sums are combined with the float scales in the order of the type's
 * scalar reference, so the grid types' results are bit-identical to it (tests hold them to it). 2 threads, 256 MB of
 * random blocks, against the earlier one-group-at-a-time kernels and llama.cpp's: the README's tenth run.
 */
final class IqGridDots {
    private IqGridDots() {}

    /**
     * Whether these kernels run: the Vector API on, with 512-bit vectors preferred (AVX-512). They are written for
     * 512-bit gathers and permutes, which a CPU with 256-bit vectors would emulate (measured 0.01 GB/s).
     */
    static final boolean ENABLED = IqVector.ENABLED && Int8FloatKernels.ENABLED;

    /**
     * A codebook IQ type: how its row is decoded into an {@link IqRow}, and how the row's per-super-block integer sums
     * become the dot, in its scalar reference's float order.
     */
    enum Kind {
        IQ1_S(IQ1_SCodec.BYTES, 1f, true, IqDecoders::decodeIq1S),
        IQ1_M(IQ1_MCodec.BYTES, 1f, false, IqDecoders::decodeIq1M),
        IQ2_XXS(IQ2_XXSCodec.BYTES, 0.125f, true, IqDecoders::decodeIq2Xxs),
        IQ2_XS(IQ2_XSCodec.BYTES, 0.125f, false, IqDecoders::decodeIq2Xs),
        IQ2_S(IQ2_SCodec.BYTES, 0.125f, false, IqDecoders::decodeIq2S),
        IQ3_XXS(IQ3_XXSCodec.BYTES, 0.25f, true, IqDecoders::decodeIq3Xxs),
        IQ3_S(IQ3_SCodec.BYTES, 1f, true, IqDecoders::decodeIq3S),
        /**
         * IQ4_XS in the FAST order only ({@link dev.jmoe.tensor.DotOrder}): its reference adds each 32 values' float
         * product {@code d·(ls−32)·sumi} on its own, this adds the exact integer {@code Σ (ls−32)·sumi} of a super-block
         * and multiplies once, so the values differ by float rounding (the GGML order keeps {@link IqVector#dotIq4Xs}).
         */
        IQ4_XS(IQ4_XSCodec.BYTES, 1f, true, IqDecoders::decodeIq4Xs);

        /** Passes 1 and 2 of a type: the row's signed int8 weights and 16-value scales in this thread's {@link IqRow}. */
        interface Decoder {
            IqRow decode(MemorySegment w, long offset, int nb);
        }

        /** Rows of a batch decoded together: their float copies (4 × 4 B a column) and one token's quants share L2. */
        private static final int BATCH_ROWS = 4;

        private final int blockBytes;
        /** The reference's final factor (ggml's 1/8 and 1/4 of the IQ2 and IQ3_XXS grids); 1 where it has none. */
        private final float factor;
        /**
         * IQ1_S and IQ1_M: the row's sums are {@code 8·sumi + sumi1} (see {@link IqRow#gatherDelta}), so the reference's
         * {@code sumi + δ·sumi1} (δ = 1/8) is sum·(1/8): one rounding of the same exact value (|sums| stay far below 2^24).
         */
        private final boolean eighths;

        private final Decoder decoder;
        /** One scale per 32 values (its one-token dots take {@link IqRow#dots32}); the others have one per 16. */
        private final boolean scalePer32;

        Kind(int blockBytes, float factor, boolean scalePer32, Decoder decoder) {
            this.blockBytes = blockBytes;
            this.factor = factor;
            this.scalePer32 = scalePer32;
            this.decoder = decoder;
            this.eighths = blockBytes == IQ1_SCodec.BYTES || blockBytes == IQ1_MCodec.BYTES;
        }

        private IqRow decode(MemorySegment w, long offset, int nb) {
            return decoder.decode(w, offset, nb);
        }

        /** The float scale d of the super-block at byte {@code o}: its leading fp16 (IQ1_M spreads it over its scales). */
        private float blockScale(MemorySegment w, long o) {
            return this == IQ1_M ? IQ1_MCodec.scale(w, o) : f16(w, o);
        }

        /** The row's super-block scales into {@code dw[at..at+nb)}. */
        private void blockScales(MemorySegment w, long offset, int nb, float[] dw, int at) {
            for (int b = 0; b < nb; b++) dw[at + b] = blockScale(w, offset + (long) b * blockBytes);
        }

        /** The dot from the super-block sums ({@code sum[sumAt..]}) and scales, as the type's scalar reference combines them. */
        private float combine(int[] sum, int sumAt, float[] dw, int at, Activations x, int xStart, int nb) {
            float sumf = 0;
            for (int b = 0; b < nb; b++) {
                float d = dw[at + b] * x.d[xStart / 256 + b];
                sumf += eighths ? d * (sum[sumAt + b] * 0.125f) : d * sum[sumAt + b];
            }
            return factor * sumf;
        }

        /** One row against one activation vector; bit-identical to the type's scalar reference. */
        float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
            int nb = n / 256;
            IqRow r = decode(w, offset, nb);
            if (scalePer32) r.dots32(x.q, xStart, nb);
            else r.dots(x.q, xStart, nb);
            float[] dw = r.blockScales(nb, 1);
            blockScales(w, offset, nb, dw, 0);
            return combine(r.sum, 0, dw, 0, x, xStart, nb);
        }

        /**
         * Rows {@code [r0, r1)} against {@code nTok} vectors ({@link dev.jmoe.tensor.Codec#dotRows}): {@value #BATCH_ROWS}
         * rows at a time are decoded once and, as floats times their scales, dotted with every token's quants as
         * floats ({@link IqRow#dotsFloat}: the same integer sums, exactly), so a token costs one fused multiply-add per 16
         * weights; each token's quants are read once for the rows.
         */
        void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
            int n = x.length(), nb = n / 256;
            float[] xq = IqRow.quantsAsFloats(x, n * nTok);
            for (int a = r0; a < r1; a += BATCH_ROWS) {
                int m = Math.min(BATCH_ROWS, r1 - a);
                IqRow r = null;
                float[] dw = null;
                for (int k = 0; k < m; k++) {
                    r = decode(w, (a + k) * rowBytes, nb);
                    r.widen(nb, k);
                    dw = r.blockScales(nb, BATCH_ROWS);
                    blockScales(w, (a + k) * rowBytes, nb, dw, k * nb);
                }
                int t = 0;
                for (; m == BATCH_ROWS && t + 4 <= nTok; t += 4) {
                    r.dotsFloat4x4(xq, t * n, (t + 1) * n, (t + 2) * n, (t + 3) * n, nb);
                    for (int k = 0; k < 4; k++) {
                        for (int j = 0; j < 4; j++) {
                            y[yOff + (t + j) * yStride + a + k] = combine(r.tile, (4 * k + j) * nb, dw, k * nb, x, (t + j) * n, nb);
                        }
                    }
                }
                for (; t < nTok; t++) {
                    for (int k = 0; k < m; k++) {
                        r.dotsFloat(xq, t * n, nb, k);
                        y[yOff + t * yStride + a + k] = combine(r.sum, 0, dw, k * nb, x, t * n, nb);
                    }
                }
            }
        }
    }

    /**
     * IQ4_NL's batches in the FAST order ({@link dev.jmoe.tensor.DotOrder}): 4 rows at a time dequantized to floats
     * (d·kvalue, exact), the tokens' quants times their block scales as floats, and {@link IqRow#floatTile4x4}: within
     * float rounding of ggml's per-block sums. Its one-token dot stays {@link LegacyVector#dotIq4Nl}.
     */
    static void iq4NlRows(Codec c, MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        int n = x.length();
        IqRow r = IqRow.local();
        if (r.wf.length < 4 * n) r.wf = new float[4 * n];
        if (r.xq.length < n * nTok) r.xq = new float[n * nTok];
        float[] wf = r.wf, xf = r.xq, out = r.out16;
        for (int i = 0; i < n * nTok; i++) xf[i] = x.q[i] * x.d[i / 32];
        for (int a = r0; a < r1; a += 4) {
            int m = Math.min(4, r1 - a);
            for (int k = 0; k < m; k++) c.dequantize(w, (a + k) * rowBytes, wf, k * n, n);
            int t = 0;
            for (; m == 4 && t + 4 <= nTok; t += 4) {
                IqRow.floatTile4x4(wf, n, xf, t * n, (t + 1) * n, (t + 2) * n, (t + 3) * n, n, out);
                for (int k = 0; k < 4; k++) {
                    for (int j = 0; j < 4; j++) y[yOff + (t + j) * yStride + a + k] = out[4 * k + j];
                }
            }
            for (; t < nTok; t++) {
                for (int k = 0; k < m; k++) y[yOff + t * yStride + a + k] = IqRow.floatDot(wf, k * n, xf, t * n, n);
            }
        }
    }
}
