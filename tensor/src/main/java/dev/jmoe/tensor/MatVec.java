package dev.jmoe.tensor;

/**
 * Matrix products over quantized weights read in place: {@code y = W·x} for one token ({@link #matvec}) or a batch
 * ({@link #matmul}: each weight row is read once for all tokens). Activations are prepared once per call in the
 * weight type's dot format; output rows are split over the thread pool. One instance per caller thread (it owns
 * reusable scratch).
 */
public final class MatVec {
    private final Parallel pool;
    private final Activations act = new Activations();
    // the running call's operands, read by the two reusable tasks (no lambda allocated per call)
    private Matrix w;
    private float[] y;
    private int yOff, nTok;
    private final Parallel.Range vecTask = this::vecRows;
    private final Parallel.Range matTask = this::matRows;

    public MatVec(Parallel pool) {
        this.pool = pool;
    }

    public Parallel pool() {
        return pool;
    }

    /** {@code y[yOff + r] = Σ_c W[r][c] · x[xOff + c]} for all rows r. */
    public void matvec(Matrix w, float[] x, int xOff, float[] y, int yOff) {
        act.prepare(w.codec().activationType(), x, xOff, w.cols(), 1);
        run(w, y, yOff, 1, vecTask);
    }

    private void run(Matrix w, float[] y, int yOff, int nTok, Parallel.Range task) {
        this.w = w;
        this.y = y;
        this.yOff = yOff;
        this.nTok = nTok;
        try {
            pool.run(w.rows(), task);
        } finally {
            this.w = null;
            this.y = null;
        }
    }

    private void vecRows(int from, int to) {
        Codec codec = w.codec();
        int cols = w.cols();
        long rowBytes = w.rowBytes();
        for (int r = from; r < to; r++) y[yOff + r] = codec.dot(w.data(), r * rowBytes, act, 0, cols);
    }

    private void matRows(int from, int to) {
        Codec codec = w.codec();
        int cols = w.cols(), rows = w.rows();
        long rowBytes = w.rowBytes();
        for (int r = from; r < to; r++) {
            long off = r * rowBytes;
            for (int t = 0; t < nTok; t++) y[t * rows + r] = codec.dot(w.data(), off, act, t * cols, cols);
        }
    }

    public void matvec(Matrix w, float[] x, float[] y) {
        matvec(w, x, 0, y, 0);
    }

    /**
     * Batched product: {@code x} holds {@code nTok} vectors of length cols ({@code x[t*cols + c]}), {@code y} receives
     * {@code nTok} vectors of length rows ({@code y[t*rows + r]}).
     */
    public void matmul(Matrix w, float[] x, int nTok, float[] y) {
        act.prepare(w.codec().activationType(), x, 0, w.cols(), nTok);
        run(w, y, 0, nTok, matTask);
    }
}
