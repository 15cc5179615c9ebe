package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The K-quant codecs in a fresh JVM: with {@code -Djmoe.vector=false}, and without the {@code jdk.incubator.vector}
 * module at all, they take (and pass with) the scalar path; with the module they take the vector path, in the
 * preferred shape and in the forced 128-bit shape, and it equals the scalar path bit for bit.
 */
class KQuantScalarModeTest {
    @ParameterizedTest
    @CsvSource({"true, '', true", "true, -Djmoe.vector.bits=128, true", "true, -Djmoe.vector=false, false", "false, '', false"})
    void codecsWorkWithAndWithoutTheVectorApi(boolean addModule, String prop, boolean expectVector) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (addModule) cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        if (!prop.isEmpty()) cmd.add(prop);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), KQuantScalarModeMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        assertThat(out).as(out).contains("vector=" + expectVector).contains("ok");
        assertThat(rc).as(out).isZero();
    }
}
