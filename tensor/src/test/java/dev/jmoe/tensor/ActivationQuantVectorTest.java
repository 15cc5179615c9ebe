package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The vector activation quantizers against the scalar ones ({@link ActivationQuant}, themselves checked against
 * hand-worked values of ggml-cpu's x86 rules in {@link ActivationQuantTest}): every quant, scale and sum equal, on
 * random vectors of several scales, exact .5 ties, ties for the largest magnitude with opposite signs, zero blocks and
 * blocks holding NaN or infinities; with 16-lane vectors here, and with 8 in a forked JVM limited to 256-bit vectors
 * (standing in for an AVX2 CPU).
 */
class ActivationQuantVectorTest {
    /** 4 Q8_K blocks (32 Q8_0 blocks) of values drawn by kind: 0 Gaussian, 1 integers and halves (exact ties), 2 wide range. */
    private static float[] values(long seed, int kind) {
        Random r = new Random(seed);
        float[] x = new float[1024];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (kind) {
                case 0 -> (float) r.nextGaussian();
                case 1 -> (r.nextInt(255) - 127) * 0.5f;
                default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6));
            };
        }
        return x;
    }

    private static void assertSame(float[] x) {
        int n = x.length;
        byte[] q0 = new byte[n], q1 = new byte[n];
        float[] d0 = new float[n / 32], d1 = new float[n / 32], s0 = new float[n / 32], s1 = new float[n / 32];
        ActivationQuant.q8_0(x, 0, n, q0, d0, s0, 0);
        short[] h16 = new short[n / 16], h32 = new short[n / 32];
        ActivationQuantVector.q8_0(x, 0, n, q1, d1, s1, h16, h32, 0);
        assertThat(q1).as("Q8_0 quants").containsExactly(q0);
        assertThat(d1).as("Q8_0 scales").containsExactly(d0);
        assertThat(s1).as("Q8_1 sums").containsExactly(s0);
        for (int h = 0; h < n / 16; h++) assertThat(h16[h]).as("16·Σ16").isEqualTo((short) (16 * sum(q0, 16 * h, 16)));
        for (int b = 0; b < n / 32; b++) assertThat(h32[b]).as("8·Σ32").isEqualTo((short) (8 * sum(q0, 32 * b, 32)));
        short[] b0 = new short[n / 16], b1 = new short[n / 16];
        ActivationQuant.q8_K(x, 0, n, q0, d0, b0, 0);
        short[] e8 = new short[n / 8];
        ActivationQuantVector.q8_K(x, 0, n, q1, d1, b1, e8, 0);
        assertThat(q1).as("Q8_K quants").containsExactly(q0);
        assertThat(java.util.Arrays.copyOf(d1, n / 256)).as("Q8_K scales").containsExactly(java.util.Arrays.copyOf(d0, n / 256));
        assertThat(b1).as("Q8_K 16-value sums").containsExactly(b0);
        for (int e = 0; e < n / 8; e++) assertThat(e8[e]).as("32·Σ8").isEqualTo((short) (32 * sum(q0, 8 * e, 8)));
    }

    private static int sum(byte[] q, int from, int len) {
        int s = 0;
        for (int i = from; i < from + len; i++) s += q[i];
        return s;
    }

    @Property(tries = 60)
    void sameBytesAsTheScalarQuantizers(@ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int kind) {
        assumeTrue(ActivationQuantVector.ENABLED, "no 256/512-bit vectors here");
        assertSame(values(seed, kind));
    }

    @Test
    void edgeBlocks() {
        assumeTrue(ActivationQuantVector.ENABLED, "no 256/512-bit vectors here");
        assertEdgeBlocks();
    }

    @Test
    void sameBytesWith256BitVectors() throws Exception {
        assumeTrue(ActivationQuantVector.ENABLED && FloatVectorLanes.preferred() == 16, "no 512-bit vectors here to step down from");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).as(out).contains("lanes=8 enabled=true").contains("ok");
    }

    /** The forked JVM's side: the random kinds and the edge blocks, as above. */
    public static final class Main {
        public static void main(String[] args) {
            System.out.println("lanes=" + FloatVectorLanes.preferred() + " enabled=" + ActivationQuantVector.ENABLED);
            for (int kind = 0; kind < 3; kind++) for (long seed = 0; seed < 20; seed++) assertSame(values(seed, kind));
            assertEdgeBlocks();
            System.out.println("ok");
        }
    }

    /** Lanes of the preferred float vector, read without naming the Vector API in this class's signatures. */
    static final class FloatVectorLanes {
        static int preferred() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        }
    }

    private static void assertEdgeBlocks() {
        float[] x = values(7, 0);
        // Q8_K block 0: the largest magnitude twice, negative first (its sign sets the scale's)
        x[10] = -9f;
        x[200] = 9f;
        // block 1: all zero but a negative zero
        java.util.Arrays.fill(x, 256, 512, 0f);
        x[300] = -0f;
        // block 2: a NaN; block 3: an infinity (and a Q8_0 block of each)
        x[600] = Float.NaN;
        x[900] = Float.NEGATIVE_INFINITY;
        assertSame(x);
        // values whose scaled form is an exact .5: amax 127 → scale ±1
        float[] t = new float[256];
        for (int i = 0; i < 256; i++) t[i] = (i % 2 == 0 ? 1 : -1) * ((i % 127) + 0.5f);
        t[5] = 127;
        assertSame(t);
    }
}
