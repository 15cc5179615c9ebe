package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Reads (and optionally writes) one ggml type. Byte layouts follow ggml-common.h exactly.
 *
 * <p>Every codec has an obviously-correct scalar {@link #dequantizeReference}; {@link #dequantize} and {@link #dot}
 * are the fast paths that tests hold to it. All counts {@code n} are multiples of the type's block size, all byte
 * offsets point at the start of a block.
 */
public interface Codec {
    GgmlType type();

    /** Scalar reference: {@code n} values from {@code src} at byte {@code offset} into {@code dst[dstOff..]}. */
    void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n);

    /** Fast dequantization; same result as {@link #dequantizeReference}. */
    default void dequantize(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        dequantizeReference(src, offset, dst, dstOff, n);
    }

    /**
     * The activation format {@link #dot} expects, as llama.cpp's {@code vec_dot_type}: F32 for float weights, Q8_0 for
     * Q4_0/Q5_0/Q8_0/IQ4_NL, Q8_1 for Q4_1/Q5_1, Q8_K for K- and IQ-quants.
     */
    GgmlType activationType();

    /**
     * Dot product of {@code n} weights at byte {@code offset} with the activations {@code x}, starting at activation
     * element {@code xStart} (a block boundary). {@code x} was quantized to {@link #activationType()} (in
     * {@link DotOrder#GGML} order: FAST-order activations are for {@link #dotRows} only).
     */
    float dot(MemorySegment w, long offset, Activations x, int xStart, int n);

    /**
     * Rows {@code [r0, r1)} of the matrix at {@code w} ({@code rowBytes} apart) against {@code nTok} activation
     * vectors ({@code x.base(t)}): {@code y[yOff + t*yStride + r] = dot(row r, vector t)}, each value bit-identical to
     * {@link #dot} — except for Q4_0 / Q8_0 activations prepared in {@link DotOrder#FAST} order, whose values are
     * bit-identical to the one-token dotRows instead. The loop lives in the codec so each type's kernel is compiled on
     * its own; types with a batched kernel decode each weight block once for several tokens.
     */
    default void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        int n = x.length();
        if (nTok == 1) {
            for (int r = r0; r < r1; r++) y[yOff + r] = dot(w, r * rowBytes, x, 0, n);
            return;
        }
        // 4 rows at a time for all tokens: the rows stay in L1 while the tokens' activations stream from L2
        for (int a = r0; a < r1; a += 4) {
            int b = Math.min(r1, a + 4);
            for (int t = 0; t < nTok; t++) {
                for (int r = a; r < b; r++) y[yOff + t * yStride + r] = dot(w, r * rowBytes, x, t * n, n);
            }
        }
    }

    /** Whether {@link #quantize} is implemented for this type. */
    default boolean canQuantize() {
        return false;
    }

    /** Quantizes {@code n} floats into this type at byte {@code dstOffset} of {@code dst}. */
    default void quantize(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n) {
        throw new UnsupportedOperationException("quantization to " + type() + " is not implemented");
    }
}
