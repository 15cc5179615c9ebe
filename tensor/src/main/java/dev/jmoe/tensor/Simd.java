package dev.jmoe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Whether the kernels use the Vector API, read once: {@code -Djmoe.vector=false} selects the scalar paths everywhere
 * (for comparison and for JVMs where the incubator module misbehaves). The float kernels run on the species the CPU
 * prefers; the integer block kernels need 256-bit vectors (AVX2 / AVX-512) and fall back to scalar code below that,
 * since 256-bit vectors on a 128-bit machine are emulated and slower than scalar code.
 */
public final class Simd {
    private Simd() {}

    /** {@code -Djmoe.vector} (default true). */
    public static final boolean ENABLED = VectorApi.AVAILABLE;

    /** The float species the float dot products use. */
    public static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

    /** Vector float kernels on. */
    public static final boolean FLOAT_KERNELS = ENABLED && FLOATS.vectorBitSize() >= 128;

    /** Vector integer block kernels on (they are written for 256-bit lanes of shorts / ints). */
    public static final boolean INT_KERNELS = ENABLED && FLOATS.vectorBitSize() >= 256;

    /** FOLD[k]: lane i reads lane i ^ (L >> (k+1)), L the length of {@link #FLOATS}: lane 0 after all folds is the tree sum. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] FOLD = new VectorShuffle[Integer.numberOfTrailingZeros(FLOATS.length())];

    static {
        for (int k = 0; k < FOLD.length; k++) {
            int half = FLOATS.length() >> (k + 1);
            FOLD[k] = VectorShuffle.fromOp(FLOATS, i -> i ^ half);
        }
    }

    /**
     * The lanes of a {@link #FLOATS} vector summed in a fixed tree: halves added lane-wise until one lane is left (the
     * order of {@code _mm512_reduce_add_ps}). Not {@code reduceLanes}, whose order differs between the interpreter and
     * C2: a result that depended on JIT state moved MoE routing near-ties from run to run.
     */
    public static float sumTree(FloatVector v) {
        for (VectorShuffle<Float> f : FOLD) v = v.add(v.rearrange(f));
        return v.lane(0);
    }

    /**
     * Whether {@link #fold} serves the tiles: {@link #FLOATS} has 16 lanes (AVX-512), so that four folds take 16 vectors
     * to one vector of their 16 sums. Other widths sum the tiles' lanes from memory ({@link #sumTree(float[], int)}).
     */
    public static final boolean FOLDS16 = FLOATS.length() == 16;

    /** FOLD_LO[k], FOLD_HI[k]: for {@link #fold} level k, the lanes of x ‖ y added (as indices into the pair). */
    private static final FloatVector[] FOLD_LO = new FloatVector[FOLD.length], FOLD_HI = new FloatVector[FOLD.length];

    static {
        for (int k = 0; k < FOLD.length; k++) {
            FOLD_LO[k] = FloatVector.fromArray(FLOATS, asFloats(foldIndices(FLOATS.length(), k, false)), 0);
            FOLD_HI[k] = FloatVector.fromArray(FLOATS, asFloats(foldIndices(FLOATS.length(), k, true)), 0);
        }
    }

    /**
     * The lanes of x ‖ y (0..2L−1) that level k of {@link #fold} adds for vectors of L lanes: lane o of the result is
     * the sum of the two lanes at this index for {@code hi} false and true.
     */
    private static int[] foldIndices(int lanes, int level, boolean hi) {
        int h = lanes >> (level + 1), groups = lanes / (2 * h);
        int[] ix = new int[lanes];
        for (int o = 0; o < lanes; o++) {
            int g = o / h;
            ix[o] = (g < groups ? 2 * h * g : lanes + 2 * h * (g - groups)) + o % h + (hi ? h : 0);
        }
        return ix;
    }

    private static float[] asFloats(int[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = v[i];
        return f;
    }

    /**
     * {@link #fold}'s index vectors of levels 0–3 as constants (null past the last level of a narrower species), for
     * the tiles, which write each fold out as {@code FOLDk_LO.selectFrom(x, y).add(FOLDk_HI.selectFrom(x, y))}: in a
     * method as big as a 4 × 4 tile C2 stops inlining small helpers (NodeCountInliningCutoff), and a fold left as a
     * call boxes its vectors (a tile at 62 GFLOP/s instead of 104 on one core).
     */
    public static final FloatVector FOLD0_LO = level(FOLD_LO, 0), FOLD0_HI = level(FOLD_HI, 0), FOLD1_LO = level(FOLD_LO, 1),
            FOLD1_HI = level(FOLD_HI, 1), FOLD2_LO = level(FOLD_LO, 2), FOLD2_HI = level(FOLD_HI, 2), FOLD3_LO = level(FOLD_LO, 3),
            FOLD3_HI = level(FOLD_HI, 3);

    private static FloatVector level(FloatVector[] v, int k) {
        return k < v.length ? v[k] : null;
    }

    /**
     * Level k of {@link #sumTree}'s tree for two vectors at once. Before level k each vector holds 2^k partial sums in
     * groups of 2h lanes, h = L / 2^(k+1) (L the lane count), and the tree adds lane i and lane i + h of a group. The
     * result holds x's groups' sums, then y's, each half as wide. So log2(L) levels over L vectors, paired in order,
     * leave one vector whose lane j is {@code sumTree} of vector j — the same additions on the same operands, the same
     * bits — in 2 permutes ({@code vpermt2ps}) and an add per pair, where storing the lanes and summing them from
     * memory costs 15 scalar adds a vector (most of a 4 × 4 attention tile's time: README, fifteenth run).
     */
    public static FloatVector fold(FloatVector x, FloatVector y, int level) {
        return FOLD_LO[level].selectFrom(x, y).add(FOLD_HI[level].selectFrom(x, y));
    }

    /**
     * {@link #sumTree} of the {@link #FLOATS}-length lanes stored at {@code v[at..]}, which it overwrites: the same
     * additions in the same tree (lane i plus lane i + h, h halving to 1), for callers with many vectors to sum (a call
     * per vector would box each vector where C2 does not inline it).
     */
    public static float sumTree(float[] v, int at) {
        for (int h = FLOATS.length() / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) v[at + i] += v[at + i + h];
        }
        return v[at];
    }
}
