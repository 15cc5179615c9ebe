package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;

/**
 * Several independent matrix products in one pool dispatch: for each job k, {@code y_k[yOff_k + t·rows_k + r] =
 * W_k[r] · x_k[t]} over its own tokens. Small products — the chosen experts of a MoE layer, 1.6 MB each in Moonlight —
 * spend a good part of their time on the pool's hand-off and on waiting for the slowest thread at the end; one
 * dispatch over all their rows pays that once instead of once per matrix. Jobs whose input is the previous job's
 * (gate and up of one expert) share one activation quantization. Chunks never straddle two jobs. Each value is what
 * {@link MatVec#matmul} gives for that job alone. One instance per {@link MatVec} ({@link MatVec#batch()}); no
 * allocation per call once the buffers have grown to the largest batch.
 */
public final class ProductBatch {
    private final Parallel pool;
    private final DotOrder order;
    private final Parallel.Range body = this::chunks;

    private Activations[] acts = new Activations[0];
    private int nActs;
    // jobs
    private Matrix[] w = new Matrix[0];
    private float[][] y = new float[0][];
    private int[] act = new int[0], nTok = new int[0], yOff = new int[0];
    private int nJobs;
    // the last job's input, for sharing its activations
    private float[] lastX;
    private int lastXOff, lastCols, lastTok;
    private GgmlType lastFormat;
    // chunks of rows: [job, r0, r1)
    private int[] chunkJob = new int[0], chunkR0 = new int[0], chunkR1 = new int[0];
    private int nChunks;

    ProductBatch(Parallel pool, DotOrder order) {
        this.pool = pool;
        this.order = order;
    }

    /** Starts an empty batch. */
    public ProductBatch clear() {
        for (int j = 0; j < nJobs; j++) {
            w[j] = null;
            y[j] = null;
        }
        nJobs = nActs = nChunks = 0;
        lastX = null;
        return this;
    }

    /**
     * Adds {@code y[yOff + t·rows + r] = W[r] · x[xOff + t·cols ..]} for {@code t < nTok}. The activations are
     * quantized now; a job with the previous job's input (same array, offset, tokens, columns and activation format)
     * reuses that quantization, so {@code x} must not change between two such adds.
     */
    public ProductBatch add(Matrix m, float[] x, int xOff, int tokens, float[] out, int outOff) {
        GgmlType format = m.codec().activationType();
        if (x != lastX || xOff != lastXOff || tokens != lastTok || m.cols() != lastCols || format != lastFormat) {
            if (nActs == acts.length) {
                acts = java.util.Arrays.copyOf(acts, Math.max(8, 2 * nActs));
                for (int i = nActs; i < acts.length; i++) acts[i] = new Activations();
            }
            acts[nActs++].prepare(format, order, x, xOff, m.cols(), tokens);
            lastX = x;
            lastXOff = xOff;
            lastTok = tokens;
            lastCols = m.cols();
            lastFormat = format;
        }
        if (nJobs == w.length) {
            int cap = Math.max(16, 2 * nJobs);
            w = java.util.Arrays.copyOf(w, cap);
            y = java.util.Arrays.copyOf(y, cap);
            act = java.util.Arrays.copyOf(act, cap);
            nTok = java.util.Arrays.copyOf(nTok, cap);
            yOff = java.util.Arrays.copyOf(yOff, cap);
        }
        int j = nJobs++;
        w[j] = m;
        y[j] = out;
        act[j] = nActs - 1;
        nTok[j] = tokens;
        yOff[j] = outOff;
        // a few chunks per thread and job, whole tiles: the pool hands chunks out one at a time
        int rows = m.rows();
        int tile = MatVec.tile(m);
        int chunk = Math.max(tile, (rows / (pool.threads() * 4) + tile - 1) / tile * tile);
        for (int r = 0; r < rows; r += chunk) {
            if (nChunks == chunkJob.length) {
                int cap = Math.max(64, 2 * nChunks);
                chunkJob = java.util.Arrays.copyOf(chunkJob, cap);
                chunkR0 = java.util.Arrays.copyOf(chunkR0, cap);
                chunkR1 = java.util.Arrays.copyOf(chunkR1, cap);
            }
            chunkJob[nChunks] = j;
            chunkR0[nChunks] = r;
            chunkR1[nChunks++] = Math.min(rows, r + chunk);
        }
        return this;
    }

    /** Runs every job added since {@link #clear()}, then clears. */
    public void run() {
        try {
            pool.run(nChunks, 1, body);
        } finally {
            clear();
        }
    }

    private void chunks(int from, int to) {
        for (int c = from; c < to; c++) {
            int j = chunkJob[c];
            Matrix m = w[j];
            MatVec.dotRows(m, chunkR0[c], chunkR1[c], acts[act[j]], nTok[j], y[j], yOff[j]);
        }
    }
}
