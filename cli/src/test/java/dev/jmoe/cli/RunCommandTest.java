package dev.jmoe.cli;

import dev.jmoe.model.LoadOptions.CacheType;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmoe.gguf.SharedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {

    @TempDir
    Path dir;
    String model;
    FakeBackend backend = new FakeBackend();

    @BeforeEach
    void modelFile() throws Exception {
        model = Files.writeString(dir.resolve("fake.gguf"), "not read by the fake backend").toString();
    }

    static List<Integer> ints(JsonNode array) {
        List<Integer> l = new ArrayList<>();
        array.forEach(n -> l.add(n.asInt()));
        return l;
    }

    static List<Integer> list(int... a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }

    @Test
    void jsonHasIdsTextAndTimings() throws Exception {
        CliRun r = CliRun.run(backend, "run", "-m", model, "--prompt-ids", "1,5,7", "-n", "6", "--temp", "0", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(ints(j.get("prompt_ids"))).isEqualTo(list(1, 5, 7));
        assertThat(ints(j.get("generated_ids"))).isEqualTo(list(FakeBackend.greedy(new int[]{1, 5, 7}, 6)));
        assertThat(j.get("text").isNull()).isTrue();
        assertThat(j.get("stop_reason").asText()).isEqualTo("max_tokens");
        JsonNode t = j.get("timings");
        for (String k : List.of("load_s", "ttft_s", "prompt_s", "prompt_tok_s", "generation_s", "generation_tok_s",
                "peak_rss_bytes")) {
            assertThat(t.has(k)).as(k).isTrue();
        }
        assertThat(t.get("prompt_tokens").asInt()).isEqualTo(3);
        assertThat(t.get("generated_tokens").asInt()).isEqualTo(6);
        assertThat(t.get("kv_cache_bytes").asLong()).isEqualTo(64L * 4096);
        assertThat(t.get("ttft_s").asDouble()).isPositive();
        assertThat(t.get("load_s").isNumber()).isTrue();
    }

    @Test
    void streamsIdsAndReportsTimingsOnStderr() {
        CliRun r = CliRun.run(backend, "run", "-m", model, "--prompt-ids", "2", "-n", "4", "--temp", "0");
        assertThat(r.exit()).as(r.err()).isZero();
        int[] expected = FakeBackend.greedy(new int[]{2}, 4);
        assertThat(r.out().trim()).isEqualTo(String.join(" ",
                java.util.Arrays.stream(expected).mapToObj(Integer::toString).toList()));
        assertThat(r.err()).contains("load time").contains("first token").contains("prompt         1 tokens")
                .contains("generation     4 tokens").contains("tok/s").contains("KV cache").contains("peak RSS")
                .contains("max tokens");
    }

    @Test
    void theFlagsReachTheLoader() {
        String prompt = String.join(",", java.util.Collections.nCopies(40, "1"));
        CliRun r = CliRun.run(backend, "run", "-m", model, "--prompt-ids", prompt, "-n", "1", "--ctx", "100",
                "--threads", "3", "--experts", "2", "--cache-type", "f16", "-b", "32", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(backend.loads).containsExactly(new LoadRequest(Path.of(model), 100, 32, 3, 2, CacheType.F16));
    }

    @Test
    void aPromptShorterThanTheBatchSizesTheBuffers() {
        CliRun r = CliRun.run(backend, "run", "-m", model, "--prompt-ids", "1,2,3", "-n", "2", "--ctx", "100", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(backend.loads.getFirst().maxBatch()).isEqualTo(3);
    }

    @Test
    void dotOrderGgmlReachesTheLoaderAndAnUnknownOneIsAUsageError() {
        CliRun r = CliRun.run(backend, "run", "-m", model, "--prompt-ids", "1", "-n", "1", "--dot-order", "GGML");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(backend.loads.getLast().dotOrder()).isEqualTo(dev.jmoe.tensor.DotOrder.GGML);
        CliRun bad = CliRun.run(backend, "run", "-m", model, "--prompt-ids", "1", "--dot-order", "exact");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown --dot-order 'exact'");
    }

    @Test
    void aSeedMakesSamplingReproducible() throws Exception {
        String[] args = {"run", "-m", model, "--prompt-ids", "3", "-n", "40", "--temp", "1.5", "--top-k", "0",
                "--min-p", "0", "--seed", "1234", "--json"};
        JsonNode a = new ObjectMapper().readTree(CliRun.run(backend, args).out());
        JsonNode b = new ObjectMapper().readTree(CliRun.run(new FakeBackend(), args).out());
        assertThat(ints(a.get("generated_ids"))).isEqualTo(ints(b.get("generated_ids")));
        assertThat(ints(a.get("generated_ids"))).isNotEqualTo(list(FakeBackend.greedy(new int[]{3}, 40)));
        assertThat(a.get("seed").asLong()).isEqualTo(1234);
    }

    @Test
    void stopsAtAnEndOfGenerationIdFromTheModelFile() throws Exception {
        int[] free = FakeBackend.greedy(new int[]{1, 5, 7}, 8);
        backend.eog = new int[]{free[2]};
        CliRun r = CliRun.run(backend, "run", "-m", model, "--prompt-ids", "1,5,7", "-n", "8", "--temp", "0", "--json");
        JsonNode j = new ObjectMapper().readTree(r.out());
        List<Integer> ids = ints(j.get("generated_ids"));
        assertThat(ids.getLast()).isEqualTo(free[2]);
        assertThat(ids.size()).isLessThanOrEqualTo(3);
        assertThat(j.get("stop_reason").asText()).isEqualTo("end_of_generation");
    }

    @Test
    void withATokenizerTextPromptsAndStopStringsWork() throws Exception {
        backend.withTokenizer = true;
        int[] free = FakeBackend.greedy(new int[]{1, 2, 3}, 10);
        StringBuilder letters = new StringBuilder();
        for (int id : free) letters.append((char) ('a' + id));
        String stop = letters.substring(5, 7);
        CliRun r = CliRun.run(backend, "run", "-m", model, "-p", "bcd", "-n", "10", "--temp", "0", "--stop", stop, "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(ints(j.get("prompt_ids"))).isEqualTo(list(1, 2, 3));
        assertThat(j.get("text").asText()).isEqualTo(letters.substring(0, letters.indexOf(stop)));
        assertThat(j.get("stop_reason").asText()).isEqualTo("stop_string");

        CliRun streamed = CliRun.run(backend, "run", "-m", model, "-p", "bcd", "-n", "10", "--temp", "0");
        assertThat(streamed.out().trim()).isEqualTo(letters.toString());
    }

    @Test
    void textPromptsWithoutATokenizerAreRefused() {
        CliRun r = CliRun.run(backend, "run", "-m", model, "-p", "Once upon a time");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().trim()).isEqualTo("jmoe run: text prompts need the tokenizer; use --prompt-ids");
        assertThat(backend.loads).isEmpty();
        CliRun stop = CliRun.run(backend, "run", "-m", model, "--prompt-ids", "1", "--stop", "x");
        assertThat(stop.err()).contains("--stop needs the tokenizer");
    }

    @Test
    void badArgumentsGiveOneLineErrorsBeforeLoading() {
        assertError("jmoe run: bad --prompt-ids: 'x' (item 2) is not an integer", "--prompt-ids", "1,x");
        assertError("jmoe run: bad --prompt-ids: -3 (item 1) is below 0", "--prompt-ids", "-3");
        assertError("jmoe run: bad --prompt-ids: '' (item 2)", "--prompt-ids", "1,,2");
        assertError("jmoe run: -n must be >= 0, got -1", "--prompt-ids", "1", "-n", "-1");
        assertError("jmoe run: --seed must be in 0..4294967295", "--prompt-ids", "1", "--seed", "4294967296");
        assertError("jmoe run: --top-p must be in [0, 1]", "--prompt-ids", "1", "--top-p", "1.5");
        assertError("jmoe run: --ctx must be >= 1", "--prompt-ids", "1", "--ctx", "0");
        assertError("jmoe run: the prompt has 3 tokens, more than --ctx 2", "--prompt-ids", "1,2,3", "--ctx", "2");
        assertThat(backend.loads).isEmpty();
        CliRun missing = CliRun.run(backend, "run", "-m", dir.resolve("absent.gguf").toString(), "--prompt-ids", "1");
        assertThat(missing.err()).contains("model file not found");
    }

    private void assertError(String message, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "-m", model));
        args.addAll(List.of(extra));
        CliRun r = CliRun.run(backend, args.toArray(String[]::new));
        assertThat(r.exit()).as(String.join(" ", extra)).isEqualTo(1);
        assertThat(r.err()).startsWith(message);
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void anUnknownCacheTypeIsAUsageError() {
        CliRun r = CliRun.run(backend, "run", "-m", model, "--prompt-ids", "1", "--cache-type", "q4_0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("use f32, f16 or q8_0");
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreNamed() {
        CliRun r = CliRun.run(backend, "run", "-m", model, "--prompt-ids", "1,99");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("prompt token 1 is id 99, outside the vocabulary [0, 16)");
    }

    @Test
    void theRealBackendRefusesAFileItCannotRunInOneLine() {
        // Backends.DEFAULT on a file that is no model: before the merge "no forward pass merged", after it the
        // loader's own clear error; never a stack trace
        CliRun r = CliRun.run(null, "run", "-m", model, "--prompt-ids", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("jmoe run: ");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void endOfGenerationIdsComeFromTheGgufMetadata() {
        Path stories = SharedModels.require("stories260K.gguf");
        assertThat(Backends.endOfGenerationFromMetadata(stories)).containsExactly(2);
    }
}
