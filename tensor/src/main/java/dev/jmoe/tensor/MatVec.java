package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.codec.Int8FloatKernels;
import dev.jmoe.tensor.codec.Packed;
import dev.jmoe.tensor.codec.Q8FloatKernels;

/**
 * Matrix products over quantized weights read in place: {@code y = W·x} for one token ({@link #matvec}) or a batch
 * ({@link #matmul}). Activations are quantized once per call into the weight type's dot format; output rows are
 * handed to the thread pool in chunks. One instance per caller thread: it owns the reusable scratch and the call
 * state, so a call allocates nothing once the activation buffers have grown to size.
 *
 * <p>matmul reads each weight row once for the whole batch: each chunk of rows goes to the codec's
 * {@link Codec#dotRows}, which dots every token against rows that sit in L1 (the tokens' activations stream from L2),
 * and for Q4_0 / Q8_0 decodes each weight block once for 4 tokens (2 in {@link DotOrder#GGML} order). Decode is
 * bound by weight bytes; a batch of tokens turns that into compute on cached rows.
 */
public final class MatVec {
    /** Chunks handed to the pool are whole multiples of this many rows (the Q4_0/Q8_0 tiles take 4 rows, 2 in GGML order). */
    static final int TILE = 4;

    private final Parallel pool;
    private final DotOrder order;
    private final Activations act = new Activations();
    private final Parallel.Range body = this::rows;
    private final ProductBatch batch;

    // state of the call in flight (read by the pool's threads after run() publishes it)
    private Matrix w;
    private float[] y;
    private int yOff, nTok;

    /** Products in {@link DotOrder#FAST} order. */
    public MatVec(Parallel pool) {
        this(pool, DotOrder.FAST);
    }

    public MatVec(Parallel pool, DotOrder order) {
        this.pool = pool;
        this.order = order;
        this.batch = new ProductBatch(pool, order);
    }

    /** This instance's batch of independent products (emptied), to run several small ones in one dispatch. */
    public ProductBatch batch() {
        return batch.clear();
    }

    public DotOrder order() {
        return order;
    }

    public Parallel pool() {
        return pool;
    }

    /**
     * Tokens a batched product serves per decode of a weight block with {@code type} weights in {@code order}: for
     * Q4_0 and Q8_0 in GGML order where the 512-bit kernels run, the tile's token count; else 1 (each token runs the
     * one-token kernel). A batch of t tokens runs t / this tiles plus t mod this single tokens; the planner prices
     * them so. In FAST order those kernels run packed ({@link Repack}, the loader's default): tokens go over a group of
     * rows held in L2 one (or, for Q4_0 and Q8_0, two) at a time, so the batched rate applies to every token (1).
     */
    public static int tileTokens(GgmlType type, DotOrder order) {
        boolean tiled = Int8FloatKernels.ENABLED && (type == GgmlType.Q4_0 || type == GgmlType.Q8_0);
        if (!tiled || packs(type, order)) return 1;
        return order == DotOrder.FAST ? Q8FloatKernels.TILE_TOKENS : Int8FloatKernels.TILE_TOKENS;
    }

    /**
     * Rows of at most this many columns of {@code type} run another one-token kernel than wider rows: Q4_0 in FAST order
     * without packing reads float activations up to {@link Q8FloatKernels#FLOAT_ROW_COLS} columns, int8 ones beyond.
     * Other types, and packed Q4_0: no limit. The calibration measures both sides.
     */
    public static int narrowRowCols(GgmlType type, DotOrder order) {
        return Q8FloatKernels.ENABLED && order == DotOrder.FAST && type == GgmlType.Q4_0 && !packs(type, order) ? Q8FloatKernels.FLOAT_ROW_COLS : Integer.MAX_VALUE;
    }

    /** Whether the loader packs weights of {@code type} for {@code order} by default ({@link Repack}). */
    public static boolean packs(GgmlType type, DotOrder order) {
        return Packed.ENABLED && order == DotOrder.FAST && Packed.hasLayout(type);
    }

    /** The activations of the last call (tests). */
    Activations activations() {
        return act;
    }

    /** {@code y[yOff + r] = Σ_c W[r][c] · x[xOff + c]} for all rows r. */
    public void matvec(Matrix w, float[] x, int xOff, float[] y, int yOff) {
        act.prepare(w.codec().activationType(), order, x, xOff, w.cols(), 1);
        start(w, y, yOff, 1);
    }

    public void matvec(Matrix w, float[] x, float[] y) {
        matvec(w, x, 0, y, 0);
    }

    /**
     * Batched product: {@code x} holds {@code nTok} vectors of length cols ({@code x[t*cols + c]}), {@code y} receives
     * {@code nTok} vectors of length rows ({@code y[t*rows + r]}). Each result equals the matvec of that token exactly
     * (in either order).
     */
    public void matmul(Matrix w, float[] x, int nTok, float[] y) {
        act.prepare(w.codec().activationType(), order, x, 0, w.cols(), nTok);
        start(w, y, 0, nTok);
    }

    private void start(Matrix w, float[] y, int yOff, int nTok) {
        this.w = w;
        this.y = y;
        this.yOff = yOff;
        this.nTok = nTok;
        int rows = w.rows();
        // a few chunks per thread so a thread slowed by other load does not hold the others up; whole tiles
        int tile = tile(w);
        int chunk = Math.max(tile, (rows / (pool.threads() * 8) + tile - 1) / tile * tile);
        try {
            pool.run(rows, chunk, body);
        } finally {
            this.w = null;
            this.y = null;
        }
    }

    private void rows(int from, int to) {
        dotRows(w, from, to, act, nTok, y, yOff);
    }

    /** Rows a chunk of {@code w} must be a multiple of: a packed group, else a tile. */
    static int tile(Matrix w) {
        return w.packed() != null ? Packed.ROWS : TILE;
    }

    /** Rows {@code [r0, r1)} of {@code w} for all tokens of {@code act}: the packed copy where there is one. */
    static void dotRows(Matrix w, int r0, int r1, Activations act, int nTok, float[] y, int yOff) {
        if (w.packed() != null && act.order() == DotOrder.FAST) Packed.rows(w.type(), w.packed(), w.cols(), r0, r1, act, nTok, y, yOff, w.rows());
        else w.codec().dotRows(w.data(), w.rowBytes(), r0, r1, act, nTok, y, yOff, w.rows());
    }
}
