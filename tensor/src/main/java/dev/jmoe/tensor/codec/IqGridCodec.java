package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * What the codebook IQ codecs share: Q8_K activations, and a dot and row loop that take {@link IqGridDots}'s 512-bit
 * path (a batch's rows decoded once for all its tokens), or without 512-bit vectors the type's 256-bit kernel where it
 * has one ({@link #dotNarrow}), or with {@code -Djmoe.vector=false} its scalar reference.
 */
abstract class IqGridCodec implements Codec {
    /** This type's decoding and float combination. */
    abstract IqGridDots.Kind kind();

    /** The scalar reference dot (ggml's generic {@code vec_dot}), the one the Vector API path must equal bit for bit. */
    abstract float dotReference(MemorySegment w, long offset, Activations x, int xStart, int n);

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** The dot on a CPU without 512-bit vectors: the type's {@link IqVector} kernel where it has one, else the reference. */
    float dotNarrow(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return dotReference(w, offset, x, xStart, n);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        if (IqGridDots.ENABLED) return kind().dot(w, offset, x, xStart, n);
        return IqVector.ENABLED ? dotNarrow(w, offset, x, xStart, n) : dotReference(w, offset, x, xStart, n);
    }

    @Override
    public void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        if (IqGridDots.ENABLED && nTok > 1) kind().dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
        else Codec.super.dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
    }
}
