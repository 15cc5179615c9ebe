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
