package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmoe.gguf.GgmlType;
import dev.jmoe.model.synth.Shapes;
import dev.jmoe.model.synth.Synthesizer;
import dev.jmoe.tensor.Parallel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our dense-llama and Mixtral forward passes against llama.cpp on our own synthetic models. The GGUFs are not
 * committed (mixtral-tiny F32 is 13.9 MB): the test rewrites them with {@link Synthesizer} (deterministic for a seed)
 * and checks their SHA-256 against the files the goldens were recorded from, so a change to the synthesizer shows up as
 * a hash mismatch, not as a puzzling logit difference. Goldens: resources dev/jmoe/model/golden (README there), llama.cpp
 * via node-llama-cpp 3.21.1, natural-log softmax per teacher-forced position. We compare log-softmax of our logits.
 * <p>F32: every log-prob within 1e-4. Measured: llama-tiny 1.43e-5, mixtral-tiny 1.34e-5 (median row max ~9e-6) —
 * float summation order only, and the same size as llama.cpp's own batched-vs-incremental spread (its top-1 margins
 * from one-token generation and from the 37-row batch differ by up to 6.7e-6); 1e-4 leaves 7× headroom while a wrong
 * rope/GQA/routing detail costs ≥ 1e-2. Greedy ids: our argmax at each generated position must equal llama.cpp's up to
 * the first position where llama.cpp's own top-1 margin is below 1e-3 (there is none: all 32 are checked).
 * <p>Q8_0: {@link GoldenLogitsTest}'s quantized criteria. Measured: rows 0–5 within 3.8e-6 (activation quantization
 * matches), then every row from 6 on off by 0.12–0.29 (median row max 0.164, lowest row correlation 0.99989), and all 32
 * greedy ids equal. Open, not understood: llama.cpp is self-consistent there (batched vs one-token margins agree to
 * 5e-7); it is not position-dependent (other 7- and 8-token inputs agree to 3e-6) but prefix-dependent
 * ([1,344,348,322,351,494] + any 7th token differs); and our router's 2nd-vs-3rd expert logit gap for that row is ≥ 0.26
 * in every layer, so it is no near-tie. Same kind as GoldenLogitsTest's dsv3-tiny-Q8_0 note. The tight-row count below
 * is what we reach, not a target.
 */
class SynthGoldenTest {
    private static final String DIR = "/dev/jmoe/model/golden/";
    private static final long SEED = 1234;
    private static final Parallel POOL = new Parallel(1);

    @TempDir
    static Path tmp;

    static Stream<Arguments> goldens() {
        return Stream.of(
                Arguments.of("llama-tiny", GgmlType.F32, "ea8b524f97d7efac26b79bf41480f6978a2882c71422894eb05d6bfa2f393da5"),
                Arguments.of("mixtral-tiny", GgmlType.F32, "6d86776552f432373678c618511326b365246b0d6fe435ac29f68244026d1368"),
                Arguments.of("mixtral-tiny", GgmlType.Q8_0, "118eeebc593a3218db0fce26e210919b2a47dbf4517022599440413b9c36eeee"));
    }

    /** mixtral-tiny-Q8_0: 6 tight rows, lowest correlation 0.9999, median row max 0.17 (measured 0.164). */
    static final GoldenLogitsTest.Quantized MIXTRAL_Q8_0 = new GoldenLogitsTest.Quantized(6, 0.9999, 0.17);

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @ParameterizedTest(name = "{0}-{1}")
    @MethodSource("goldens")
    void logSoftmaxMatchesLlamaCpp(String shape, GgmlType type, String sha256) throws Exception {
        String name = shape + "-" + type;
        Path gguf = tmp.resolve(name + ".gguf");
        Synthesizer.write(Shapes.spec(shape, null), type, SEED, false, gguf, Synthesizer.Progress.NONE);
        assertThat(sha256(gguf)).as(name + ".gguf SHA-256 (synthesizer output changed: re-record the goldens)").isEqualTo(sha256);

        JsonNode j;
        try (InputStream in = SynthGoldenTest.class.getResourceAsStream(DIR + name + ".json")) {
            j = new ObjectMapper().readTree(in);
        }
        int[] prompt = ints(j.get("prompt_ids")), gen = ints(j.get("generated_ids"));
        int nv = j.get("n_vocab").asInt();
        int[] ids = new int[prompt.length + gen.length];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(gen, 0, ids, prompt.length, gen.length);
        float[] ref = floats(DIR + j.get("logprobs_file").asText());
        assertThat(ref.length).isEqualTo(ids.length * nv);

        float[] ours = new float[ids.length * nv];
        try (LanguageModel m = ModelLoader.load(gguf, LoadOptions.defaults().withContextLength(ids.length).withPool(POOL))) {
            assertThat(m.vocabSize()).isEqualTo(nv);
            m.forward(ids, 0, ids.length, null, ours);
        }
        for (int r = 0; r < ids.length; r++) logSoftmax(ours, r * nv, nv);

        double[] rowMax = new double[ids.length];
        double max = 0;
        for (int r = 0; r < ids.length; r++) {
            for (int i = 0; i < nv; i++) rowMax[r] = Math.max(rowMax[r], Math.abs(ours[r * nv + i] - ref[r * nv + i]));
            max = Math.max(max, rowMax[r]);
        }
        int tight = 0;
        while (tight < ids.length && rowMax[tight] <= 1e-3) tight++;
        double minCorr = 1;
        for (int r = 0; r < ids.length; r++) minCorr = Math.min(minCorr, GoldenLogitsTest.correlation(ours, ref, r * nv, nv));
        double[] sorted = rowMax.clone();
        java.util.Arrays.sort(sorted);
        // greedy: the argmax at the row before each generated id, up to llama.cpp's first near-tie
        int agree = 0;
        for (int k = 0; k < gen.length; k++) {
            int row = prompt.length - 1 + k;
            if (GoldenLogitsTest.margin(ref, row * nv, nv) < 1e-3) break;
            assertThat(GoldenLogitsTest.argmax(ours, row * nv, nv)).as(name + " greedy id " + k).isEqualTo(gen[k]);
            agree++;
        }
        if (type != GgmlType.F32) { StringBuilder sb = new StringBuilder("rowMax:"); for (double v : rowMax) sb.append(String.format(" %.2g", v)); System.out.println(sb); }
        System.out.printf("synth golden %-18s max |logprob diff| = %.3g over %d rows; %d rows within 1e-3; lowest row correlation %.6f; median row max %.3g; greedy ids checked %d/%d%n",
                name, max, ids.length, tight, minCorr, sorted[sorted.length / 2], agree, gen.length);

        if (type == GgmlType.F32) {
            assertThat(max).as(name + " max |log-softmax diff|").isLessThanOrEqualTo(1e-4);
        } else {
            GoldenLogitsTest.Quantized q = MIXTRAL_Q8_0;
            for (int r = 0; r < q.tightRows(); r++) assertThat(rowMax[r]).as(name + " row " + r + " (before any routing flip)").isLessThanOrEqualTo(1e-3);
            double minAllowed = Math.min(0.8, q.lowestCorrelation() - 0.1);
            for (int r = 0; r < ids.length; r++) {
                assertThat(GoldenLogitsTest.correlation(ours, ref, r * nv, nv)).as(name + " row " + r + " correlation").isGreaterThanOrEqualTo(minAllowed);
                if (GoldenLogitsTest.margin(ref, r * nv, nv) > 2.0) {
                    assertThat(GoldenLogitsTest.argmax(ours, r * nv, nv)).as(name + " row " + r + " argmax").isEqualTo(GoldenLogitsTest.argmax(ref, r * nv, nv));
                }
            }
            assertThat(sorted[sorted.length / 2]).as(name + " median row max").isLessThanOrEqualTo(2 * q.medianRowMax());
        }
    }

    private static void logSoftmax(float[] x, int off, int n) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) mx = Math.max(mx, x[off + i]);
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.exp(x[off + i] - mx);
        double lse = mx + Math.log(s);
        for (int i = 0; i < n; i++) x[off + i] = (float) (x[off + i] - lse);
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    private static float[] floats(String resource) throws IOException {
        try (InputStream in = SynthGoldenTest.class.getResourceAsStream(resource)) {
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] r = new float[b.remaining() / 4];
            b.asFloatBuffer().get(r);
            return r;
        }
    }
}
