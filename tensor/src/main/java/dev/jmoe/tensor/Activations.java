package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;

/**
 * Activations (one or more vectors of length {@code n}) prepared once per matrix product in the format the weight
 * type's dot product wants — as ggml quantizes src1 to {@code vec_dot_type} before a mul_mat. Buffers grow on demand
 * and are reused: no allocation per call once sized.
 *
 * <p>Layout per vector {@code v}: floats in {@code f[v*n ..]}; int8 quants in {@code q[v*n ..]}; one scale per block in
 * {@code d[v*nBlocks ..]}; the same quants permuted per block in {@code qp[v*n ..]} (Q8_0, GGML order) or as floats
 * {@code q·d} in {@code qf[v*n ..]} (Q8_0, FAST order); Q8_1 block sums ({@code d * Σq}) in {@code s[v*nBlocks ..]};
 * Q8_K sums of each 16 quants in {@code bsums[v*n/16 ..]}.
 */
public final class Activations {
    /** Quantize with vector ops (the same bytes as {@link ActivationQuant}); VectorApi first, as below. */
    private static final boolean VECTOR_QUANT = VectorApi.AVAILABLE && ActivationQuantVector.ENABLED;

    GgmlType format = GgmlType.F32;
    int n;
    int count;
    public float[] f = new float[0];
    public byte[] q = new byte[0];
    /** The int8 quants of {@link #q} in Int8FloatKernels' lane order (Q8_0, when those kernels run). */
    public byte[] qp = new byte[0];
    /**
     * The quants times their block scale as float, {@code q[i]·d[block]}: Q8_0 for Q8FloatKernels' batches (FAST
     * order, 4+ vectors or rows of at most 4096), Q8_K for Q4KFloatKernels (FAST order).
     */
    public float[] qf = new float[0];
    DotOrder order = DotOrder.GGML;
    public float[] d = new float[0];
    public float[] s = new float[0];
    public short[] bsums = new short[0];
    /**
     * {@code 8·Σq} of each Q8_0 block as a 16-bit integer (at most 8·32·127 = 32512): the offset of Q4_0's nibbles
     * that {@link dev.jmoe.tensor.codec.PackedQ40} takes off its block sums (FAST order, where it runs).
     */
    public short[] q8sum = new short[0];
    /** {@code 16·Σq} of each half (16 quants) of each Q8_0 block: the offset of Q5_0's values ({@link dev.jmoe.tensor.codec.PackedQ50}). */
    public short[] q16sum = new short[0];
    /** {@code 32·Σq} of each 8 Q8_K quants: the offset of Q6_K's values ({@link dev.jmoe.tensor.codec.PackedQ6K}). */
    public short[] q8ksum8 = new short[0];

    public GgmlType format() {
        return format;
    }

    /** The order the Q8_0 activations were prepared for: GGML fills {@link #qp}, FAST {@link #qf} (where those kernels run). */
    public DotOrder order() {
        return order;
    }

    /** Elements per vector. */
    public int length() {
        return n;
    }

    /** Number of vectors. */
    public int count() {
        return count;
    }

    /** First element of vector {@code v} (add to per-element offsets). */
    public int base(int v) {
        return v * n;
    }

    /**
     * Prepares {@code count} vectors of length {@code n} from {@code x[xOff + v*n ..]} in format {@code format}.
     * The F32 copy is always kept (F32/F16/BF16 weights dot against it).
     */
    public Activations prepare(GgmlType format, float[] x, int xOff, int n, int count) {
        return prepare(format, DotOrder.GGML, x, xOff, n, count);
    }

    /** {@link #prepare(GgmlType, float[], int, int, int)} for the kernels of {@code order}. */
    public Activations prepare(GgmlType format, DotOrder order, float[] x, int xOff, int n, int count) {
        this.format = format;
        this.order = order;
        this.n = n;
        this.count = count;
        int total = n * count;
        if (f.length < total) f = new float[total];
        System.arraycopy(x, xOff, f, 0, total);
        switch (format) {
            case F32 -> { }
            case Q8_0, Q8_1 -> {
                ensureQuant(total, total / 32, false);
                float[] sums = format == GgmlType.Q8_1 ? s : null;
                // Q8_0 only: the Q8_1 users (Q4_1, Q5_1) have no Int8FloatKernels; VectorApi first, so that without the
                // module Int8FloatKernels is never loaded
                boolean int8 = format == GgmlType.Q8_0 && VectorApi.AVAILABLE && dev.jmoe.tensor.codec.Int8FloatKernels.ENABLED;
                boolean blockSums = int8 && order == DotOrder.FAST;
                if (blockSums) {
                    if (q8sum.length < total / 32) q8sum = new short[total / 32];
                    if (q16sum.length < total / 16) q16sum = new short[total / 16];
                }
                for (int v = 0; v < count; v++) {
                    if (VECTOR_QUANT) ActivationQuantVector.q8_0(f, v * n, n, q, d, sums, blockSums ? q16sum : null, q8sum, v * n / 32);
                    else ActivationQuant.q8_0(f, v * n, n, q, d, sums, v * n / 32);
                }
                if (blockSums && !VECTOR_QUANT) {
                    for (int h = 0; h < total / 16; h++) q16sum[h] = (short) (16 * sum(16 * h, 16));
                    for (int b = 0; b < total / 32; b++) q8sum[b] = (short) ((q16sum[2 * b] + q16sum[2 * b + 1]) / 2);
                }
                if (blockSums) {
                    // the batched tiles and narrow Q4_0 rows read floats; one token of a wide row reads the bytes
                    if (count >= dev.jmoe.tensor.codec.Q8FloatKernels.TILE_TOKENS || n <= dev.jmoe.tensor.codec.Q8FloatKernels.FLOAT_ROW_COLS) {
                        scaledQuants(total, 5);
                    }
                } else if (int8) {
                    if (qp.length < total) qp = new byte[total];
                    dev.jmoe.tensor.codec.Int8FloatKernels.permuteActivations(q, qp, 0, total);
                }
            }
            case Q8_K -> {
                ensureQuant(total, total / 256, true);
                // Q4KFloatKernels (Q4_K rows) read the quants as floats, they and PackedQ6K the sums of each 8
                boolean extras = order == DotOrder.FAST && VectorApi.AVAILABLE && dev.jmoe.tensor.codec.Q4KFloatKernels.ENABLED;
                if (extras && q8ksum8.length < total / 8) q8ksum8 = new short[total / 8];
                for (int v = 0; v < count; v++) {
                    if (VECTOR_QUANT) ActivationQuantVector.q8_K(f, v * n, n, q, d, bsums, extras ? q8ksum8 : null, v * n / 256);
                    else ActivationQuant.q8_K(f, v * n, n, q, d, bsums, v * n / 256);
                }
                if (extras) {
                    scaledQuants(total, 8);
                    if (!VECTOR_QUANT) for (int e = 0; e < total / 8; e++) q8ksum8[e] = (short) (32 * sum(8 * e, 8));
                }
            }
            default -> throw new IllegalArgumentException("no activation format " + format);
        }
        return this;
    }

    /** {@code qf[i] = q[i] · d[i >> blockShift]} for blocks of {@code 1 << blockShift} (32: Q8_0, 256: Q8_K). */
    private void scaledQuants(int total, int blockShift) {
        if (qf.length < total) qf = new float[total];
        int block = 1 << blockShift;
        for (int b = 0; b < total / block; b++) { // one scale a block: C2 vectorizes the inner loop
            float db = d[b];
            for (int i = b * block; i < (b + 1) * block; i++) qf[i] = q[i] * db;
        }
    }

    /** Σ q[from, from + len). */
    private int sum(int from, int len) {
        int sum = 0;
        for (int i = from; i < from + len; i++) sum += q[i];
        return sum;
    }

    private void ensureQuant(int total, int blocks, boolean k) {
        if (q.length < total) q = new byte[total];
        if (d.length < blocks) d = new float[blocks];
        if (s.length < blocks) s = new float[blocks];
        if (k && bsums.length < total / 16) bsums = new short[total / 16];
    }
}
