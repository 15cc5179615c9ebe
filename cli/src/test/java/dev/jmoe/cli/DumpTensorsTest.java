package dev.jmoe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.LoadOptions;
import dev.jmoe.model.ModelLoader;
import dev.jmoe.tensor.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run --dump-tensors}: what it writes is what the forward pass computed (checked against an in-process probe). */
class DumpTensorsTest {
    @TempDir
    Path dir;

    static List<JsonNode> lines(Path f) throws Exception {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(f)) out.add(m.readTree(l));
        return out;
    }

    @Test
    void dumpsEveryIntermediateOfPrefillAndDecode() throws Exception {
        Path model = dir.resolve("m.gguf"), dump = dir.resolve("d.jsonl");
        assertThat(SynthAndDemoCommandTest.run("synth", "--shape", "dsv3-tiny", "--type", "F32", "--seed", "3", "-o", model.toString()).code()).isZero();
        SynthAndDemoCommandTest.Run r = SynthAndDemoCommandTest.run("run", "-m", model.toString(), "--prompt-ids", "1,5,9", "-n", "3",
                "--temp", "0", "-t", "1", "--json", "--dump-tensors", dump.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> all = lines(dump);
        for (int i = 0; i < all.size(); i++) assertThat(all.get(i).get("seq").asLong()).isEqualTo(i);
        List<String> prefill = all.stream().filter(n -> n.get("tokens").asInt() == 3).map(n -> n.get("layer").asInt() + ":" + n.get("name").asText()).toList();
        assertThat(prefill).contains("0:attn_norm", "0:q", "0:kv_cmpr_pe", "0:ffn_out", "1:ffn_moe_out", "1:ffn_shexp", "3:l_out", "-1:result_norm");
        // 3 generated tokens = the prefill plus 2 one-token decode steps, each ending with result_norm
        assertThat(all.stream().filter(n -> n.get("name").asText().equals("result_norm")).map(n -> n.get("tokens").asInt()).toList()).containsExactly(3, 1, 1);

        // the same prompt through an in-process probe: layer 1's l_out of the prefill has the dumped sum and first values
        double[] sum = new double[1];
        float[][] head = new float[3][];
        try (Parallel pool = new Parallel(1);
             LanguageModel m = ModelLoader.load(model, LoadOptions.defaults().withContextLength(8).withPool(pool).withProbe((layer, name, data, tokens, width) -> {
                 if (layer != 1 || !name.equals("l_out")) return;
                 for (int i = 0; i < tokens * width; i++) sum[0] += data[i];
                 for (int t = 0; t < tokens; t++) head[t] = java.util.Arrays.copyOfRange(data, t * width, t * width + TensorDump.HEAD);
             }))) {
            m.forward(new int[] {1, 5, 9}, 0, 3, new float[m.vocabSize()], null);
        }
        JsonNode lOut = all.stream().filter(n -> n.get("layer").asInt() == 1 && n.get("name").asText().equals("l_out")).findFirst().orElseThrow();
        assertThat(lOut.get("sum").asDouble()).isEqualTo(sum[0]);
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < TensorDump.HEAD; i++) assertThat((float) lOut.get("rows").get(t).get(i).asDouble()).isEqualTo(head[t][i]);
        }
    }

    @Test
    void filterKeepsTheNamedIntermediatesOnly() throws Exception {
        Path model = dir.resolve("m.gguf"), dump = dir.resolve("d.jsonl");
        assertThat(SynthAndDemoCommandTest.run("synth", "--shape", "llama-tiny", "--type", "F32", "--seed", "3", "-o", model.toString()).code()).isZero();
        SynthAndDemoCommandTest.Run r = SynthAndDemoCommandTest.run("run", "-m", model.toString(), "--prompt-ids", "1,5", "-n", "1",
                "--temp", "0", "-t", "1", "--json", "--dump-tensors", dump.toString(), "--dump-filter", "l_out,result_norm");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(lines(dump)).isNotEmpty().allMatch(n -> List.of("l_out", "result_norm").contains(n.get("name").asText()));

        SynthAndDemoCommandTest.Run bad = SynthAndDemoCommandTest.run("run", "-m", model.toString(), "--prompt-ids", "1", "--dump-filter", "l_out");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--dump-filter needs --dump-tensors");
    }
}
