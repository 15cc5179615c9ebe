package dev.jmoe.tensor;

import jdk.incubator.vector.FloatVector;
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
}
