package dev.jmoe.model;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Q8_0 KV cache ({@code --cache-type q8_0}): per slot, {@code ctx} rows of {@code width} values stored as ggml
 * stores them, blocks of 32 int8 with an F16 scale (34 bytes), quantized and read by tensor's Q8_0 codec. Scores use
 * the integer Q8_0·Q8_0 dot against a query quantized to Q8_0 (ggml's vec_dot_type of Q8_0, as llama.cpp converts q
 * for a quantized K); the weighted sum over V dequantizes the rows to float.
 */
final class Q8Rows {
    static final int BLOCK = 32, BLOCK_BYTES = 34;
    private static final Codec Q8_0 = Codecs.of(GgmlType.Q8_0);

    final int width;
    final long rowBytes;
    private final int ctx;
    private final MemorySegment[] slot; // [slot] ctx rows of width/32 blocks

    Q8Rows(int width, int contextLength, int slots, String what) {
        if (width % BLOCK != 0) throw new IllegalArgumentException("a Q8_0 KV cache needs " + what + " rows in blocks of 32, got " + width + " (use an f16 or f32 cache)");
        this.width = width;
        this.rowBytes = (long) width / BLOCK * BLOCK_BYTES;
        this.ctx = contextLength;
        this.slot = new MemorySegment[slots];
        for (int s = 0; s < slots; s++) slot[s] = Arena.ofAuto().allocate(rowBytes * contextLength, 8);
    }

    long bytes() {
        return rowBytes * ctx * slot.length;
    }

    /** Quantizes {@code src[off .. off+width)} into row {@code pos} of slot {@code s}. */
    void store(int s, int pos, float[] src, int off) {
        Q8_0.quantize(src, off, slot[s], pos * rowBytes, width);
    }

    /** Q8_0·Q8_0 dot of row {@code pos} columns [c, c+n) with the prepared Q8_0 query x (its element xStart on). */
    float dot(int s, int pos, int c, Activations x, int xStart, int n) {
        return Q8_0.dot(slot[s], pos * rowBytes + (long) c / BLOCK * BLOCK_BYTES, x, xStart, n);
    }

    /** Dequantizes row {@code pos} columns [c, c+n) into {@code dst[0 ..)}. */
    void dequantize(int s, int pos, int c, float[] dst, int n) {
        dequantize(s, pos, c, dst, 0, n);
    }

    /** Dequantizes row {@code pos} columns [c, c+n) into {@code dst[dstOff ..)}. */
    void dequantize(int s, int pos, int c, float[] dst, int dstOff, int n) {
        Q8_0.dequantize(slot[s], pos * rowBytes + (long) c / BLOCK * BLOCK_BYTES, dst, dstOff, n);
    }
}
