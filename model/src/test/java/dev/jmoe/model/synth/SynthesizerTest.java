package dev.jmoe.model.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.Codecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthesizerTest {
    @TempDir
    Path dir;

    private Path synth(String shape, Integer layers, GgmlType type, long seed, String file) {
        Path p = dir.resolve(file);
        Synthesizer.write(Shapes.spec(shape, layers), type, seed, false, p, Synthesizer.Progress.NONE);
        return p;
    }

    @Test
    void dsv3TinyHasTheSharedModelsParameterCount() {
        // shared/models/README.md: dsv3-tiny 2,726,960 parameters, dsv2-tiny 1,681,696
        assertThat(Shapes.spec("dsv3-tiny", null).parameterCount()).isEqualTo(2_726_960L);
        assertThat(Shapes.spec("dsv2-tiny", null).parameterCount()).isEqualTo(1_681_696L);
        try (GgufFile f = GgufFile.open(synth("dsv3-tiny", null, GgmlType.F32, 1, "a.gguf"))) {
            assertThat(f.tensors().stream().mapToLong(TensorInfo::elementCount).sum()).isEqualTo(2_726_960L);
        }
    }

    @Test
    void deepseekV3HeaderOnlyDescribes671BWithoutData() throws Exception {
        Path p = dir.resolve("v3.gguf");
        Synthesizer.Result r = Synthesizer.write(Shapes.spec("deepseek-v3", null), GgmlType.BF16, 1, true, p, Synthesizer.Progress.NONE);
        assertThat(Files.size(p)).isLessThan(8L << 20); // header: metadata incl. 129,280 token strings, 1,025 tensor infos
        try (GgufFile f = GgufFile.openHeader(p)) {
            long params = f.tensors().stream().mapToLong(TensorInfo::elementCount).sum();
            // independent count from the config (shared/reference/deepseek2.md), MTP layer excluded:
            long h = 7168, v = 129280, heads = 128, qLora = 1536, kvLora = 512, nope = 128, rope = 64, vh = 128;
            long attn = h + h * qLora + qLora + qLora * heads * (nope + rope) + h * (kvLora + rope) + kvLora
                    + nope * kvLora * heads + kvLora * vh * heads + heads * vh * h + h;
            long dense = 3 * h * 18432, moe = 256 * 3 * h * 2048 + 3 * h * 2048 + h * 256 + 256;
            long expected = 2 * v * h + h + 61 * attn + 3 * dense + 58 * moe;
            assertThat(params).isEqualTo(expected).isEqualTo(r.parameters());
            assertThat(params / 1e9).isBetween(671.0, 671.1);
            assertThat(f.tensors()).hasSize(1 + 61 * 10 + 3 * 3 + 58 * 8 + 2);
            assertThat(f.tensorBytes()).isEqualTo(r.tensorBytes()).isGreaterThan(1_300_000_000_000L); // BF16: 2 bytes/weight
            assertThat(f.metadata().getString("general.size_label")).isEqualTo("671B");
            assertThat(f.metadata().getLong("general.file_type")).isEqualTo(32);
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        byte[] a = Files.readAllBytes(synth("dsv3-tiny", 2, GgmlType.F32, 42, "a.gguf"));
        byte[] b = Files.readAllBytes(synth("dsv3-tiny", 2, GgmlType.F32, 42, "b.gguf"));
        byte[] c = Files.readAllBytes(synth("dsv3-tiny", 2, GgmlType.F32, 43, "c.gguf"));
        assertThat(a).isEqualTo(b);
        assertThat(c).hasSameSizeAs(a);
        assertThat(Arrays.equals(a, c)).isFalse();
        // and a tensor does not depend on the others: blk.0 of a 2-layer and a 4-layer file are identical
        try (GgufFile two = GgufFile.open(dir.resolve("a.gguf")); GgufFile four = GgufFile.open(synth("dsv3-tiny", null, GgmlType.F32, 42, "d.gguf"))) {
            for (String n : new String[]{"token_embd.weight", "blk.0.attn_q_b.weight", "blk.1.ffn_up_exps.weight", "output.weight"}) {
                assertThat(two.data(n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).as(n)
                        .isEqualTo(four.data(n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void layersCut() {
        try (GgufFile f = GgufFile.open(synth("dsv3-tiny", 2, GgmlType.F32, 1, "cut.gguf"))) {
            assertThat(f.metadata().getLong("deepseek2.block_count")).isEqualTo(2);
            assertThat(f.metadata().getLong("deepseek2.leading_dense_block_count")).isEqualTo(1);
            assertThat(f.tensors().stream().map(TensorInfo::name).filter(n -> n.startsWith("blk.")).map(n -> n.split("\\.")[1]).distinct())
                    .containsExactly("0", "1");
            assertThat(f.findTensor("blk.1.ffn_gate_exps.weight")).isPresent();
            assertThat(f.findTensor("blk.0.ffn_gate.weight")).isPresent();
        }
        ModelSpec v3 = Shapes.spec("deepseek-v3", 5);
        assertThat(v3.metadata().get("deepseek2.block_count").value()).isEqualTo(5L);
        assertThat(v3.metadata().get("deepseek2.leading_dense_block_count").value()).isEqualTo(3L);
        ModelSpec one = Shapes.spec("deepseek-v3", 1);
        assertThat(one.metadata().get("deepseek2.leading_dense_block_count").value()).isEqualTo(1L);
        assertThatThrownBy(() -> Shapes.spec("dsv3-tiny", 0)).hasMessageContaining("--layers");
    }

    @Test
    void q8_0DequantizesCloseToTheF32FileOfTheSameSeed() {
        try (GgufFile f = GgufFile.open(synth("dsv3-tiny", 2, GgmlType.F32, 5, "f.gguf"));
             GgufFile q = GgufFile.open(synth("dsv3-tiny", 2, GgmlType.Q8_0, 5, "q.gguf"))) {
            int quantized = 0;
            for (TensorInfo tq : q.tensors()) {
                TensorInfo tf = f.tensor(tq.name());
                int n = Math.toIntExact(tf.elementCount());
                float[] ref = new float[n], got = new float[n];
                Codecs.of(tf).dequantize(f.data(tf), 0, ref, 0, n);
                Codecs.of(tq).dequantize(q.data(tq), 0, got, 0, n);
                if (tq.type() == GgmlType.F32) {
                    assertThat(got).as(tq.name()).isEqualTo(ref);
                    continue;
                }
                assertThat(tq.type()).isEqualTo(GgmlType.Q8_0);
                quantized++;
                // per block of 32: |error| <= half a quantization step d/2 = amax/254, plus the F16 rounding of d
                // (relative 2^-11, times |q| <= 127: amax/2048; bound taken as amax/1024)
                for (int b = 0; b < n / 32; b++) {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(ref[b * 32 + j]));
                    for (int j = 0; j < 32; j++) {
                        assertThat(Math.abs(got[b * 32 + j] - ref[b * 32 + j])).as(tq.name()).isLessThanOrEqualTo(amax * (1 / 254f + 1 / 1024f) + 1e-7f);
                    }
                }
            }
            assertThat(quantized).isGreaterThan(10);
        }
    }

    @Test
    void weightsFollowTheScheme() {
        try (GgufFile f = GgufFile.open(synth("dsv3-tiny", null, GgmlType.F32, 3, "w.gguf"))) {
            check(f, "token_embd.weight", 0, 1);
            check(f, "blk.0.attn_q_a.weight", 0, 1 / Math.sqrt(256));
            check(f, "blk.0.ffn_down.weight", 0, 1 / Math.sqrt(512));
            check(f, "blk.1.attn_k_b.weight", 0, 1 / Math.sqrt(64)); // kv_b_proj's fan_in: kv_lora
            check(f, "blk.1.ffn_up_exps.weight", 0, 1 / Math.sqrt(256));
            check(f, "output.weight", 0, 4 / Math.sqrt(256));
            check(f, "blk.1.ffn_norm.weight", 1, 0.1);
            check(f, "blk.1.exp_probs_b.bias", 0, 0.1);
        }
    }

    private static void check(GgufFile f, String name, double mean, double std) {
        TensorInfo t = f.tensor(name);
        int n = Math.toIntExact(t.elementCount());
        float[] v = new float[n];
        Codecs.of(t).dequantize(f.data(t), 0, v, 0, n);
        double s = 0, s2 = 0;
        for (float x : v) s += x;
        double m = s / n;
        for (float x : v) s2 += (x - m) * (x - m);
        double sd = Math.sqrt(s2 / (n - 1));
        // sampling error of the mean ~ std/sqrt(n), of the std ~ std/sqrt(2n); 16 elements for the bias: loose
        double tol = n < 100 ? 0.6 : 0.05;
        assertThat(Math.abs(m - mean)).as(name + " mean").isLessThan(std * (n < 100 ? 1 : 0.05) + 1e-9);
        assertThat(sd / std).as(name + " std").isBetween(1 - tol, 1 + tol);
    }

    @Test
    void typeChoiceFollowsLlamaQuantize() {
        TensorSpec kb = new TensorSpec("blk.1.attn_k_b.weight", new long[]{32, 64, 8}, TensorSpec.Init.LINEAR, 64);
        TensorSpec big = TensorSpec.linear("blk.1.ffn_up_exps.weight", 256, 32, 16);
        TensorSpec odd = TensorSpec.linear("blk.1.odd.weight", 16, 8);
        assertThat(TypeChoice.of(kb, GgmlType.Q4_K)).isEqualTo(GgmlType.Q5_0);
        assertThat(TypeChoice.of(kb, GgmlType.Q5_K)).isEqualTo(GgmlType.Q5_1);
        assertThat(TypeChoice.of(kb, GgmlType.Q6_K)).isEqualTo(GgmlType.Q8_0);
        assertThat(TypeChoice.of(kb, GgmlType.Q2_K)).isEqualTo(GgmlType.Q4_0);
        assertThat(TypeChoice.of(kb, GgmlType.IQ4_XS)).isEqualTo(GgmlType.IQ4_NL);
        assertThat(TypeChoice.of(big, GgmlType.Q4_K)).isEqualTo(GgmlType.Q4_K);
        assertThat(TypeChoice.of(odd, GgmlType.Q4_K)).isEqualTo(GgmlType.F16); // fallback Q5_0 does not fit 16 either
        assertThat(TypeChoice.of(TensorSpec.norm("blk.0.attn_norm.weight", 256), GgmlType.F16)).isEqualTo(GgmlType.F32);
        assertThat(TypeChoice.of(TensorSpec.linear("blk.1.ffn_gate_inp.weight", 256, 16), GgmlType.Q8_0)).isEqualTo(GgmlType.F32);
        assertThatThrownBy(() -> TypeChoice.of(odd, GgmlType.Q8_0)).hasMessageContaining("blk.1.odd.weight").hasMessageContaining("no fallback");
    }

    @Test
    void typesWithoutAQuantizerAreAClearError() {
        assertThat(TypeChoice.writable()).contains(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0);
        GgmlType missing = Arrays.stream(GgmlType.values()).filter(t -> t.blockSize == 256 && !TypeChoice.canWrite(t)).findFirst().orElse(null);
        if (missing != null) {
            assertThatThrownBy(() -> TypeChoice.parse(missing.name())).hasMessageContaining("no quantizer for " + missing).hasMessageContaining("Q8_0");
            assertThatThrownBy(() -> Synthesizer.write(Shapes.spec("dsv3-tiny", 1), missing, 1, false, dir.resolve("x.gguf"), Synthesizer.Progress.NONE))
                    .hasMessageContaining("no quantizer");
            assertThat(dir.resolve("x.gguf")).doesNotExist();
            // a header-only file encodes no weights, so any weight type can be described (for the planner)
            assertThat(TypeChoice.parse(missing.name(), false)).isEqualTo(missing);
            Synthesizer.write(Shapes.spec("dsv3-tiny", 1), missing, 1, true, dir.resolve("h.gguf"), Synthesizer.Progress.NONE);
            assertThat(dir.resolve("h.gguf")).exists();
        }
        assertThat(TypeChoice.parse("Q4_K", false)).isEqualTo(GgmlType.Q4_K);
        assertThatThrownBy(() -> TypeChoice.parse("I8", false)).hasMessageContaining("not a model file type");
        assertThatThrownBy(() -> TypeChoice.parse("Q4_K_M")).hasMessageContaining("or a llama.cpp mix").hasMessageContaining("Q4_K_M");
        assertThatThrownBy(() -> TypeChoice.parse("Q9")).hasMessageContaining("unknown type 'Q9'");
        assertThatThrownBy(() -> Shapes.get("gpt-5")).hasMessageContaining("dsv3-tiny");
    }

    @Test
    void progressReachesTheTotal() {
        long[] last = {0, -1};
        Synthesizer.write(Shapes.spec("llama-tiny", 1), GgmlType.F16, 1, false, dir.resolve("p.gguf"), (d, t) -> {
            assertThat(d).isGreaterThan(last[0]);
            last[0] = d;
            last[1] = t;
        });
        assertThat(last[0]).isEqualTo(last[1]).isPositive();
    }
}
