package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Quantizers on random data (the byte-exact comparison with llama-quantize is in {@link KQuantSharedModelTest}): the
 * round trip stays within each type's error, zeros stay zeros, and Q8_K equals the activation quantizer
 * (an independent transcription of quantize_row_q8_K_ref in {@code ActivationQuant}).
 */
class KQuantQuantizeTest {
    private static final GgmlType[] TYPES = {GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K};
    /** Relative RMSE bound per type on Gaussian data (typical: 0.30 / 0.15 / 0.071 / 0.035 / 0.018 / 0.008; a 256-value sample varies, hence the margin). */
    private static final double[] MAX_REL_RMSE = {0.40, 0.20, 0.095, 0.05, 0.025, 0.012};

    @Property(tries = 60)
    void roundTripStaysWithinTheTypesError(@ForAll @IntRange(max = 5) int type, @ForAll long seed,
                                           @ForAll @IntRange(min = 1, max = 4) int nBlocks, @ForAll @IntRange(max = 2) int kind) {
        GgmlType t = TYPES[type];
        Codec c = Codecs.of(t);
        Random rnd = new Random(seed);
        int n = nBlocks * 256;
        float[] x = new float[n];
        // magnitudes 0.1 .. 1e4: the fp16 super-block scales (down to amax/4096 for Q6_K) stay normal
        double scale = Math.pow(10, rnd.nextInt(6) - 1);
        for (int i = 0; i < n; i++) x[i] = (float) (scale * (kind == 1 ? rnd.nextGaussian() + 3 : rnd.nextGaussian()));
        if (kind == 2) java.util.Arrays.fill(x, 0, 256, 0f);
        byte[] q = new byte[(int) t.bytesFor(n)];
        c.quantize(x, 0, MemorySegment.ofArray(q), 0, n);
        float[] y = new float[n];
        c.dequantizeReference(MemorySegment.ofArray(q), 0, y, 0, n);
        double e2 = 0, r2 = 0;
        for (int i = 0; i < n; i++) {
            e2 += (x[i] - y[i]) * (double) (x[i] - y[i]);
            r2 += x[i] * (double) x[i];
        }
        if (r2 > 0) assertThat(Math.sqrt(e2 / r2)).as(t.toString()).isLessThan(MAX_REL_RMSE[type]);
        if (kind == 2) for (int i = 0; i < 256; i++) assertThat(y[i]).as(t + " zero block").isEqualTo(0f);
    }

    @Test
    void q8_KQuantizerEqualsTheActivationQuantizer() {
        Random rnd = new Random(11);
        int n = 4 * 256;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian() * (i < 256 ? 1e-3f : 1f);
        java.util.Arrays.fill(x, 512, 768, 0f);
        byte[] q = new byte[(int) GgmlType.Q8_K.bytesFor(n)];
        MemorySegment s = MemorySegment.ofArray(q);
        Codecs.of(GgmlType.Q8_K).quantize(x, 0, s, 0, n);
        Activations a = new Activations().prepare(GgmlType.Q8_K, x, 0, n, 1);
        for (int b = 0; b < 4; b++) {
            long o = b * 292L;
            assertThat(s.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), o)).isEqualTo(a.d[b]);
            for (int j = 0; j < 256; j++) assertThat(q[(int) o + 4 + j]).isEqualTo(a.q[b * 256 + j]);
            for (int j = 0; j < 16; j++) assertThat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), o + 260 + 2 * j)).isEqualTo(a.bsums[b * 16 + j]);
        }
    }
}
