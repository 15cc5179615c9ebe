package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * What the codebook IQ codecs share: Q8_K activations, and a dot and row loop that take {@link IqGridDots}'s Vector API
 * path (a batch's rows decoded once for all its tokens) or, with {@code -Djmoe.vector=false}, the type's scalar
 * reference.
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

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        return IqVector.ENABLED ? kind().dot(w, offset, x, xStart, n) : dotReference(w, offset, x, xStart, n);
    }

    @Override
    public void dotRows(MemorySegment w, long rowBytes, int r0, int r1, Activations x, int nTok, float[] y, int yOff, int yStride) {
        if (IqVector.ENABLED && nTok > 1) kind().dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
        else Codec.super.dotRows(w, rowBytes, r0, r1, x, nTok, y, yOff, yStride);
    }
}
