package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codecs;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Run in a fresh JVM by {@link KQuantScalarModeTest}: prints {@code vector=<KQuants.VECTOR>}, then checks that every
 * K-quant dot equals its scalar reference and the dequantization its reference; exits 1 on the first difference.
 */
public final class KQuantScalarModeMain {
    public static void main(String[] args) {
        System.out.println("vector=" + KQuants.VECTOR + (KQuants.VECTOR ? " bits=" + KVector.BITS : ""));
        Random rnd = new Random(5);
        for (GgmlType t : KQuantPropertiesTest.TYPES) {
            for (int trial = 0; trial < 20; trial++) {
                int n = 256 * (1 + trial % 3);
                MemorySegment w = KQuantPropertiesTest.randomBlocks(t, n / 256, rnd, trial % 4, trial % 5);
                Activations a = new Activations().prepare(GgmlType.Q8_K, KQuantPropertiesTest.randomActivations(n, rnd, trial % 3), 0, n, 1);
                float got = Codecs.of(t).dot(w, 0, a, 0, n), want = KQuantPropertiesTest.scalarDot(t, w, a, 0, n);
                float[] d1 = new float[n], d2 = new float[n];
                Codecs.of(t).dequantize(w, 0, d1, 0, n);
                Codecs.of(t).dequantizeReference(w, 0, d2, 0, n);
                if (Float.compare(got, want) != 0 || !java.util.Arrays.equals(d1, d2)) {
                    System.out.println(t + " trial " + trial + ": dot " + got + " vs scalar " + want);
                    System.exit(1);
                }
            }
        }
        System.out.println("ok");
    }
}
