package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmoe.tensor.codec.Packed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every packed and IQ kernel compiles at every tier it reaches. A kernel method that C1 gives up on ("out of virtual
 * registers in linear scan", seen for Q2_K and Q5_K written out, and for an IQ4_XS kernel) can stay in C1's quick,
 * unprofiled code for good, 100× slower: no test of values notices, so this one reads the JIT's own log. A JVM is
 * forked with {@code -XX:+PrintCompilation}, runs {@link KernelWorkout}, and no compilation of a {@code Packed*} or
 * {@code Iq*} method may be skipped.
 */
class KernelsCompileTest {
    @Test
    void noKernelIsTooLargeToCompile() throws IOException, InterruptedException {
        assumeTrue(Packed.ENABLED, "no 512-bit integer kernels here");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+PrintCompilation",
                "-cp", System.getProperty("java.class.path"), KernelWorkout.class.getName(), "3000"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).as("every kernel ran").contains("worked Q2_K", "worked Q3_K", "worked Q4_K", "worked Q5_K", "worked Q6_K",
                "worked IQ1_S", "worked IQ1_M", "worked IQ2_XXS", "worked IQ2_XS", "worked IQ2_S", "worked IQ3_XXS", "worked IQ3_S", "worked IQ4_XS", "worked IQ4_NL");
        List<String> skipped = out.lines().filter(l -> (l.contains("dev.jmoe.tensor.codec.Packed") || l.contains("dev.jmoe.tensor.codec.Iq"))
                && l.contains("COMPILE SKIPPED")).toList();
        assertThat(skipped).as("compilations of packed and IQ kernels that the JIT gave up on").isEmpty();
    }
}
