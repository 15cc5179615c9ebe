package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import java.lang.foreign.MemorySegment;

/**
 * The shape all K-quants share: super-blocks of 256 values split into sub-blocks (16 or 32 values), each with an
 * integer scale and (for Q2_K/Q4_K/Q5_K) an integer min; value = (d·scale)·q − (dmin·min). A subclass only unpacks a
 * super-block into integer quants, scales and mins; dequantization and the Q8_K dot product are common:
 * dot = d·d_a·Σ_sub scale·Σ q·a − dmin·d_a·Σ_sub min·Σ a (Σ a from the Q8_K block sums), as ggml's vec_dot_qX_K_q8_K.
 */
abstract class KQuantCodec implements Codec {
    static final int QK = 256;
    private final GgmlType type;
    private final int sub;
    private final boolean mins;

    KQuantCodec(GgmlType type, int subBlock, boolean mins) {
        this.type = type;
        this.sub = subBlock;
        this.mins = mins;
    }

    /** Unpacks super-block {@code o}: quants q[256], scales sc[256/sub], mins mn[256/sub] (ignored without mins). */
    abstract void unpack(MemorySegment s, long o, int[] q, int[] sc, int[] mn);

    abstract float d(MemorySegment s, long o);

    float dmin(MemorySegment s, long o) {
        return 0;
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    @Override
    public final GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    private static final ThreadLocal<int[][]> BUF = ThreadLocal.withInitial(() -> new int[][]{new int[256], new int[16], new int[16]});

    @Override
    public void dequantizeReference(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        int[][] buf = BUF.get();
        int[] q = buf[0], sc = buf[1], mn = buf[2];
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * type.typeSize;
            unpack(src, o, q, sc, mn);
            float d = d(src, o), dm = dmin(src, o);
            for (int s = 0; s < QK / sub; s++) {
                float dl = d * sc[s], ml = mins ? dm * mn[s] : 0;
                for (int i = s * sub; i < (s + 1) * sub; i++) dst[dstOff + b * QK + i] = dl * q[i] - ml;
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long offset, Activations x, int xStart, int n) {
        int[][] buf = BUF.get();
        int[] q = buf[0], sc = buf[1], mn = buf[2];
        byte[] a = x.q;
        float sum = 0;
        for (int b = 0; b < n / QK; b++) {
            long o = offset + (long) b * type.typeSize;
            int xo = xStart + b * QK;
            unpack(w, o, q, sc, mn);
            int isum = 0, msum = 0;
            for (int s = 0; s < QK / sub; s++) {
                isum += sc[s] * Blocks.dot(q, s * sub, a, xo + s * sub, sub);
                if (mins) {
                    int bs = 0;
                    for (int k = 0; k < sub / 16; k++) bs += x.bsums[xo / 16 + s * (sub / 16) + k];
                    msum += mn[s] * bs;
                }
            }
            float ad = x.d[xo / QK];
            sum += d(w, o) * ad * isum;
            if (mins) sum -= dmin(w, o) * ad * msum;
        }
        return sum;
    }
}
