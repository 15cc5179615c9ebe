package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.codec.Packed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link KernelWarmup}: it runs the kernels of the types it is given, survives types that are not weights, and stops. */
class KernelWarmupTest {
    @Test
    @Timeout(120)
    void runsTheKernelsAndStopsWhenClosed() throws InterruptedException {
        KernelWarmup w = KernelWarmup.start(List.of(GgmlType.Q4_K, GgmlType.Q4_0, GgmlType.F16, GgmlType.IQ2_XXS, GgmlType.Q8_K, GgmlType.I32), DotOrder.FAST);
        while (w.calls() < 2) Thread.sleep(10);
        w.close();
        int calls = w.calls();
        assertThat(calls).isLessThan(3000);
        Thread.sleep(50);
        assertThat(w.calls()).as("no call after close").isEqualTo(calls);
    }

    /**
     * What the warmup is for: after its calls, C2 has compiled the packed kernels (tier 4 in the JIT's log of a forked
     * JVM), so a model's first prompt does not run them in the interpreter or C1.
     */
    @Test
    void leavesThePackedKernelsCompiledByC2() throws IOException, InterruptedException {
        assumeTrue(Packed.ENABLED, "no 512-bit integer kernels here");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+PrintCompilation",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("warmed");
        for (String kernel : List.of("PackedQ4K::group", "PackedQ6K::group", "PackedQ40::group2", "PackedQ80::group2")) {
            assertThat(out.lines().filter(l -> l.contains("dev.jmoe.tensor.codec." + kernel) && c2(l)).toList()).as(kernel + " compiled by C2").isNotEmpty();
        }
    }

    /** Whether a {@code -XX:+PrintCompilation} line is a tier-4 (C2) compilation: its tier is the column before the method. */
    private static boolean c2(String line) {
        String[] f = line.trim().split("\\s+");
        for (int i = 0; i + 1 < f.length; i++) if (f[i + 1].startsWith("dev.jmoe.")) return f[i].equals("4");
        return false;
    }

    /** The forked JVM: a warmup of a Q4_K_M file's types, to the end. */
    public static final class Main {
        public static void main(String[] args) throws InterruptedException {
            KernelWarmup w = KernelWarmup.start(List.of(GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q4_0, GgmlType.Q8_0), DotOrder.FAST);
            w.awaitDone();
            System.out.println("warmed " + w.calls());
        }
    }
}
