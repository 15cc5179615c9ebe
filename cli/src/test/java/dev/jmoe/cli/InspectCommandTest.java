package dev.jmoe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufWriter;
import dev.jmoe.gguf.SharedModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code jmoe inspect} run in-process; model facts come from /work/shared/models/README.md. */
class InspectCommandTest {
    record Run(int exit, String out, String err) {}

    static Run inspect(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "inspect";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = cl.execute(all);
        return new Run(code, out.toString(), err.toString());
    }

    static JsonNode json(String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--json");
        Run r = inspect(a.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void dsv3TinySummaryMatchesTheReadme() {
        Path p = SharedModels.require("dsv3-tiny-F32.gguf");
        Run r = inspect(p.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("GGUF v3", "70 tensors", "architecture  deepseek2  \"dsv3-tiny\"")
                .contains("layers        4 (1 leading dense, 3 MoE)")
                .contains("hidden        256, 8 heads (1 KV)")
                .contains("experts       16 routed, 4 used, 1 shared; expert FFN 32 (dense FFN 512)")
                .contains("expert groups 2 used of 4")
                .contains("gating        sigmoid, weights normalized, scale 2.5")
                .contains("MLA           q_lora 128, kv_lora 64; qk_nope 32, qk_rope 16, v_head 32")
                .contains("RoPE          base 10000, YaRN factor 40 over original context 4096 (log multiplier 0.1)")
                .contains("context       163840 tokens; vocab 512; RMS eps 0.000001")
                .contains("parameters    2.7 M (2,726,960)")
                .contains("tensor data   10.40 MiB (10,907,840 bytes), 32.00 bits per weight")
                .containsPattern("F32 +70 +2,726,960 +10,907,840 +32.00");
    }

    @Test
    void dsv3TinyJsonParsesAndHoldsEverything() throws IOException {
        Path p = SharedModels.require("dsv3-tiny-F32.gguf");
        JsonNode j = json(p.toString(), "--tensors", "--meta");
        assertThat(j.get("architecture").asText()).isEqualTo("deepseek2");
        assertThat(j.get("version").asInt()).isEqualTo(3);
        assertThat(j.get("parameters").asLong()).isEqualTo(2_726_960L);
        assertThat(j.get("parameters_human").asText()).isEqualTo("2.7 M");
        assertThat(j.get("tensor_bytes").asLong()).isEqualTo(4 * 2_726_960L);
        assertThat(j.get("bits_per_weight").asDouble()).isEqualTo(32.0);
        assertThat(j.get("data_present").asBoolean()).isTrue();
        JsonNode m = j.get("model");
        assertThat(m.get("layers").asInt()).isEqualTo(4);
        assertThat(m.get("leading_dense_layers").asInt()).isEqualTo(1);
        assertThat(m.get("experts").asInt()).isEqualTo(16);
        assertThat(m.get("experts_used").asInt()).isEqualTo(4);
        assertThat(m.get("experts_shared").asInt()).isEqualTo(1);
        assertThat(m.get("expert_groups").asInt()).isEqualTo(4);
        assertThat(m.get("expert_groups_used").asInt()).isEqualTo(2);
        assertThat(m.get("q_lora_rank").asInt()).isEqualTo(128);
        assertThat(m.get("kv_lora_rank").asInt()).isEqualTo(64);
        assertThat(m.get("qk_nope_head_dim").asInt()).isEqualTo(32);
        assertThat(m.get("qk_rope_head_dim").asInt()).isEqualTo(16);
        assertThat(m.get("v_head_dim").asInt()).isEqualTo(32);
        assertThat(m.get("rope_freq_base").asDouble()).isEqualTo(10000.0);
        assertThat(m.get("rope_scaling").asText()).isEqualTo("yarn");
        assertThat(m.get("rope_scaling_factor").asDouble()).isEqualTo(40.0);
        assertThat(m.get("rope_original_context").asInt()).isEqualTo(4096);
        assertThat(m.get("gating_func").asText()).isEqualTo("sigmoid");
        assertThat(m.get("vocab_size").asInt()).isEqualTo(512);
        assertThat(j.get("types")).hasSize(1);
        assertThat(j.get("types").get(0).get("type").asText()).isEqualTo("F32");
        assertThat(j.get("tensors")).hasSize(70);
        JsonNode kb = null;
        for (JsonNode t : j.get("tensors")) if (t.get("name").asText().equals("blk.1.attn_k_b.weight")) kb = t;
        assertThat(kb).isNotNull();
        assertThat(kb.get("shape").toString()).isEqualTo("[32,64,8]");
        JsonNode tokens = j.get("metadata").get("tokenizer.ggml.tokens");
        assertThat(tokens.get("element_type").asText()).isEqualTo("STRING");
        assertThat(tokens.get("count").asInt()).isEqualTo(512);
        assertThat(tokens.get("first")).hasSize(InspectCommand.ARRAY_ITEMS);
        assertThat(tokens.get("first").get(1).asText()).isEqualTo("<s>");
        // UINT32 4294967295 stays unsigned
        assertThat(j.get("metadata").get("tokenizer.ggml.padding_token_id").get("value").asLong()).isEqualTo(4294967295L);
    }

    @Test
    void dsv2TinyHasNoQLoraAndSoftmaxGating() throws IOException {
        Path p = SharedModels.require("dsv2-tiny-F32.gguf");
        JsonNode j = json(p.toString());
        assertThat(j.get("parameters").asLong()).isEqualTo(1_681_696L);
        JsonNode m = j.get("model");
        assertThat(m.has("q_lora_rank")).isFalse();
        assertThat(m.get("layers").asInt()).isEqualTo(27);
        assertThat(m.get("kv_lora_rank").asInt()).isEqualTo(32);
        assertThat(m.get("qk_nope_head_dim").asInt()).isEqualTo(32);
        assertThat(m.get("qk_rope_head_dim").asInt()).isEqualTo(8);
        assertThat(m.get("v_head_dim").asInt()).isEqualTo(16);
        assertThat(m.get("experts_shared").asInt()).isEqualTo(2);
        assertThat(m.get("gating_func").asText()).isEqualTo("softmax");
        assertThat(inspect(p.toString()).out()).contains("q_lora none (plain attn_q)", "weights not normalized (no key)");
    }

    @Test
    void quantizedMixIsTabulatedPerType() throws IOException {
        Path p = SharedModels.require("dsv3-tiny-Q4_K_M.gguf");
        JsonNode j = json(p.toString());
        assertThat(j.get("parameters").asLong()).isEqualTo(2_726_960L);
        List<String> types = new ArrayList<>();
        long bytes = 0, params = 0;
        for (JsonNode t : j.get("types")) {
            types.add(t.get("type").asText());
            bytes += t.get("bytes").asLong();
            params += t.get("parameters").asLong();
        }
        assertThat(types).containsExactlyInAnyOrder("Q4_K", "Q5_0", "Q8_0", "Q6_K", "F32"); // README: the Q4_K_M mix
        assertThat(bytes).isEqualTo(j.get("tensor_bytes").asLong());
        assertThat(params).isEqualTo(2_726_960L);
        assertThat(j.get("bits_per_weight").asDouble()).isEqualTo(8.0 * bytes / params);
    }

    @Test
    void llamaSummary() throws IOException {
        Path p = SharedModels.require("stories260K.gguf");
        JsonNode m = json(p.toString()).get("model");
        assertThat(m.get("layers").asInt()).isEqualTo(5);
        assertThat(m.get("hidden").asInt()).isEqualTo(64);
        assertThat(m.get("heads").asInt()).isEqualTo(8);
        assertThat(m.get("kv_heads").asInt()).isEqualTo(4);
        assertThat(m.get("ffn").asInt()).isEqualTo(172);
        assertThat(m.get("vocab_size").asInt()).isEqualTo(512);
        assertThat(m.has("experts")).isFalse();
    }

    @Test
    void headerOnlyFileWrittenHere(@TempDir Path tmp) throws IOException {
        // a Mixtral-like llama MoE layer at full size, header only: 2 experts of {4096, 14336} in Q4_K
        Path p = tmp.resolve("moe.gguf");
        try (GgufWriter w = new GgufWriter(p)) {
            w.putString("general.architecture", "llama").putUInt32("llama.block_count", 1).putUInt32("llama.embedding_length", 4096)
                    .putUInt32("llama.attention.head_count", 32).putUInt32("llama.attention.head_count_kv", 8)
                    .putUInt32("llama.feed_forward_length", 14336).putUInt32("llama.expert_count", 8).putUInt32("llama.expert_used_count", 2)
                    .putFloat32("llama.rope.freq_base", 1e6f).put("tokenizer.ggml.tokens", GgufValue.ofStrings("a", "b", "c"))
                    .putString("tokenizer.chat_template", "{% for m in messages %}\n{{ m }}{% endfor %}");
            w.addTensor("blk.0.ffn_up_exps.weight", GgmlType.Q4_K, 4096, 14336, 8);
            w.addTensor("blk.0.ffn_gate_exps.weight", GgmlType.Q4_K, 4096, 14336, 8);
            w.addTensor("blk.0.ffn_down_exps.weight", GgmlType.Q6_K, 14336, 4096, 8);
            w.addTensor("blk.0.attn_norm.weight", GgmlType.F32, 4096);
            w.writeHeaderOnly();
        }
        long params = 3L * 4096 * 14336 * 8 + 4096;
        long bytes = 2L * 4096 * 14336 * 8 / 256 * 144 + 4096L * 14336 * 8 / 256 * 210 + 4096 * 4;
        Run r = inspect(p.toString(), "--tensors", "--meta");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("(header only: tensor data not in the file)")
                .contains("layers        1", "hidden        4096, 32 heads (8 KV)", "FFN           14336", "experts       8 routed, 2 used")
                .contains("RoPE          base 1000000")
                .contains(String.format("parameters    1.4 B (%,d)", params))
                .contains(String.format("(%,d bytes)", bytes))
                .containsPattern("Q4_K +2 +939,524,096 ")
                .containsPattern("blk\\.0\\.ffn_down_exps\\.weight +Q6_K +\\{14336, 4096, 8\\} +" + String.format("%,d", 4096L * 14336 * 8 / 256 * 210))
                .contains("\"{% for m in messages %}\\n{{ m }}{% endfor %}\"") // newline escaped: one line per key
                .contains("[STRING]", "[\"a\", \"b\", \"c\"]");
        JsonNode j = json(p.toString());
        assertThat(j.get("parameters").asLong()).isEqualTo(params);
        assertThat(j.get("tensor_bytes").asLong()).isEqualTo(bytes);
        assertThat(j.get("data_present").asBoolean()).isFalse();
        assertThat(j.get("model").get("experts_used").asInt()).isEqualTo(2);
    }

    @Test
    void corruptFileIsOneNamedLineAndExitOne(@TempDir Path tmp) throws IOException {
        Path p = tmp.resolve("bad.gguf");
        try (GgufWriter w = new GgufWriter(p)) {
            w.putString("general.architecture", "llama");
            w.addTensor("a", GgmlType.F32, 4);
            w.write(new float[4]);
        }
        byte[] b = Files.readAllBytes(p);
        // the tensor entry: name length (u64 1), "a", n_dims (u32), dims[0] (u64), type (u32), offset (u64)
        String s = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        int nameAt = s.lastIndexOf("\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000a");
        int typeAt = nameAt + 9 + 4 + 8;
        assertThat(b[typeAt]).isEqualTo((byte) GgmlType.F32.id);
        b[(int) typeAt] = 77;
        Files.write(p, b);
        Run r = inspect(p.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("jmoe inspect: tensor[0] \"a\" type: unknown ggml type id 77 (offset " + typeAt + ") in " + p
                + System.lineSeparator());
    }

    @Test
    void missingFileAndNotAGguf(@TempDir Path tmp) throws IOException {
        Run r = inspect(tmp.resolve("nope.gguf").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("jmoe inspect: " + tmp.resolve("nope.gguf") + ": no such file" + System.lineSeparator());
        Path txt = Files.writeString(tmp.resolve("x.txt"), "hello, world");
        r = inspect(txt.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("jmoe inspect: magic: not a GGUF file (first bytes \"hell\"").doesNotContain("\tat ");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void vocabularyOnlyFile() {
        Path p = SharedModels.require("vocab/ggml-vocab-llama-spm.gguf");
        Run r = inspect(p.toString(), "--meta", "--tensors");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("0 tensors", "no tensors (a vocabulary-only or metadata-only file)")
                .containsPattern("tokenizer\\.ggml\\.tokens +\\[STRING\\] +\\[.*, \\.\\.\\.\\] \\(32,000 values\\)");
    }

    static Stream<Path> allShared() {
        List<Path> all = SharedModels.allGguf();
        return all.isEmpty() ? Stream.of(Path.of("absent.gguf")) : all.stream();
    }

    @ParameterizedTest
    @MethodSource("allShared")
    void everySharedGgufInspects(Path p) throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(p), "shared models absent");
        JsonNode j = json(p.toString(), "--meta");
        assertThat(j.get("data_present").asBoolean()).isTrue();
        assertThat(j.get("metadata_count").asInt()).isEqualTo(j.get("metadata").size());
    }
}
