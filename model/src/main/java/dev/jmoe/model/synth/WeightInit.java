package dev.jmoe.model.synth;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Seeded random weights, the scheme of the shared reference models (shared/models/README.md): Linear weights
 * N(0,1)/sqrt(fan_in), norm weights 1 + 0.1·N(0,1), token embeddings N(0,1), expert-selection bias 0.1·N(0,1), LM head
 * N(0,1)/sqrt(hidden)·4. With these, hidden states stay finite over hundreds of generated tokens and the logits have
 * a standard deviation of about 4, so greedy decoding has clear (not flat) choices.
 *
 * <p>Every row of every tensor has its own generator, seeded from (seed, tensor name, row index): a tensor's values do
 * not depend on the other tensors, on the order they are written, on the row blocks or on the thread count, so rows
 * are drawn in parallel and any type gets the same underlying values (a Q8_0 file quantizes the F32 file's values).
 */
public final class WeightInit {
    private WeightInit() {}

    /** Fills {@code dst[off .. off+rowLength)} with row {@code row} of tensor {@code t}. */
    public static void fillRow(TensorSpec t, long seed, long row, float[] dst, int off) {
        int n = Math.toIntExact(t.rowLength());
        SplittableRandom r = new SplittableRandom(rowSeed(seed, t.name(), row));
        switch (t.init()) {
            case LINEAR -> gauss(r, dst, off, n, 0, (float) (1 / Math.sqrt(t.fanIn())));
            case NORM -> gauss(r, dst, off, n, 1, 0.1f);
            case EMBEDDING -> gauss(r, dst, off, n, 0, 1);
            case BIAS -> gauss(r, dst, off, n, 0, 0.1f);
            case HEAD -> gauss(r, dst, off, n, 0, (float) (4 / Math.sqrt(t.rowLength())));
        }
    }

    private static void gauss(SplittableRandom r, float[] dst, int off, int n, float mean, float std) {
        for (int i = 0; i < n; i++) dst[off + i] = mean + std * (float) r.nextGaussian();
    }

    static long rowSeed(long seed, String tensor, long row) {
        long h = 0xcbf29ce484222325L; // FNV-1a 64 of the name
        for (byte b : tensor.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
        long t = mix(seed * 0x9E3779B97F4A7C15L ^ h);
        return mix(t + (row + 1) * 0xBF58476D1CE4E5B9L);
    }

    /** SplitMix64's finalizer: a bijective 64-bit mix. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
