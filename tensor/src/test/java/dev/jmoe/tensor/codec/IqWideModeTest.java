package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link IqGridDots} runs only where 512-bit vectors are preferred: a CPU with 256-bit vectors would emulate its
 * gathers and permutes (0.01 GB/s), so there the codecs take {@link IqVector}'s 256-bit kernels. A forked JVM with
 * {@code -XX:MaxVectorSize=32} stands in for such a CPU; in both JVMs every IQ codec's dot and batched rows equal the
 * scalar reference.
 */
class IqWideModeTest {
    @ParameterizedTest
    @CsvSource({"'', true", "-XX:MaxVectorSize=32, false"})
    void gridKernelsRunOnlyWith512BitVectors(String flag, boolean wide) throws Exception {
        assumeTrue(Int8FloatKernels.ENABLED, "this CPU has no 512-bit vectors");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        if (!flag.isEmpty()) cmd.add(flag);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).as(out).contains("wide=" + wide).contains("ok");
    }

    /** Prints which kernels run, then checks every IQ type's dot and 5-token rows against the scalar reference. */
    public static final class Main {
        public static void main(String[] args) {
            System.out.println("wide=" + IqGridDots.ENABLED);
            Random rnd = new Random(7);
            int n = 512, rows = 4, tokens = 5;
            for (GgmlType t : List.of(GgmlType.IQ1_S, GgmlType.IQ1_M, GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S,
                    GgmlType.IQ3_XXS, GgmlType.IQ3_S)) {
                IqGridCodec c = (IqGridCodec) Codecs.of(t);
                MemorySegment w = MemorySegment.ofArray(RandomBlocks.of(t, rows * n / t.blockSize, rnd));
                float[] x = new float[n * tokens], y = new float[rows * tokens];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                Activations a = new Activations().prepare(GgmlType.Q8_K, x, 0, n, tokens);
                ((Codec) c).dotRows(w, t.bytesFor(n), 0, rows, a, tokens, y, 0, rows);
                for (int k = 0; k < tokens; k++) {
                    for (int r = 0; r < rows; r++) {
                        float ref = c.dotReference(w, r * t.bytesFor(n), a, a.base(k), n);
                        if (y[k * rows + r] != ref || c.dot(w, r * t.bytesFor(n), a, a.base(k), n) != ref) {
                            throw new AssertionError(t + " row " + r + " token " + k);
                        }
                    }
                }
            }
            System.out.println("ok");
        }
    }
}
