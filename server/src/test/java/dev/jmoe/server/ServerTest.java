package dev.jmoe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over real HTTP on loopback: shapes of the answers, streaming, and that batching changes nothing. */
class ServerTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() {
        // 16 slots, prefill chunks of 32: sixteen streams decode together and long prompts are prefilled in pieces
        s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(16).withPrefillChunk(32));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static String completion(String prompt, int maxTokens, boolean stream) {
        return "{\"model\":\"dsv3-tiny\",\"prompt\":" + TestServer.JSON.valueToTree(prompt) + ",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0,\"stream\":" + stream + "}";
    }

    static String chat(String user, int maxTokens, boolean stream) {
        return "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":"
                + TestServer.JSON.valueToTree(user) + "}],\"max_tokens\":" + maxTokens + ",\"temperature\":0,\"stream\":" + stream
                + ",\"stream_options\":{\"include_usage\":true}}";
    }

    @Test
    void healthModelsAndMetrics() throws Exception {
        assertThat(s.get("/health").statusCode()).isEqualTo(200);
        JsonNode m = TestServer.JSON.readTree(s.get("/v1/models").body());
        assertThat(m.path("object").asText()).isEqualTo("list");
        assertThat(m.path("data").path(0).path("id").asText()).isEqualTo("dsv3-tiny");
        HttpResponse<String> metrics = s.get("/metrics");
        assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(metrics.body()).contains("jmoe_kv_slots 16.0", "jmoe_kv_slots_in_use", "jmoe_queue_depth", "jmoe_time_to_first_token_seconds_bucket");
    }

    @Test
    void completionHasTextUsageTimingsAndFinishReason() throws Exception {
        HttpResponse<String> r = s.post("/v1/completions", completion("Once upon a time", 8, false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = TestServer.JSON.readTree(r.body());
        assertThat(j.path("object").asText()).isEqualTo("text_completion");
        assertThat(j.path("id").asText()).startsWith("cmpl-");
        JsonNode c = j.path("choices").path(0);
        assertThat(c.path("finish_reason").asText()).isEqualTo("length"); // random weights rarely say EOS within 8
        assertThat(j.path("usage").path("completion_tokens").asInt()).isEqualTo(8);
        assertThat(j.path("usage").path("prompt_tokens").asInt()).isGreaterThan(3);
        assertThat(j.path("usage").path("total_tokens").asInt()).isEqualTo(j.path("usage").path("prompt_tokens").asInt() + 8);
        assertThat(j.path("timings").path("predicted_n").asInt()).isEqualTo(8);
        assertThat(j.path("timings").path("predicted_per_second").asDouble()).isPositive();
        assertThat(c.path("text").isTextual()).isTrue();
        // greedy is deterministic
        assertThat(TestServer.JSON.readTree(s.post("/v1/completions", completion("Once upon a time", 8, false)).body())
                .path("choices").path(0).path("text").asText()).isEqualTo(c.path("text").asText());
    }

    @Test
    void chatStreamsSseChunksEndingWithDone() throws Exception {
        List<String> data = s.stream("/v1/chat/completions", chat("Tell me a story", 12, true));
        assertThat(data.getLast()).isEqualTo("[DONE]");
        JsonNode first = TestServer.JSON.readTree(data.getFirst());
        assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.path("choices").path(0).path("delta").path("role").asText()).isEqualTo("assistant");
        JsonNode fin = TestServer.JSON.readTree(data.get(data.size() - 3));
        assertThat(fin.path("choices").path(0).path("finish_reason").asText()).isIn("stop", "length");
        assertThat(fin.path("timings").path("prompt_n").asInt()).isPositive();
        JsonNode usage = TestServer.JSON.readTree(data.get(data.size() - 2));
        assertThat(usage.path("choices").isEmpty()).isTrue();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isBetween(1, 12);
        // the same request without streaming returns the same text
        JsonNode whole = TestServer.JSON.readTree(s.post("/v1/chat/completions", chat("Tell me a story", 12, false)).body());
        assertThat(whole.path("object").asText()).isEqualTo("chat.completion");
        assertThat(whole.path("choices").path(0).path("message").path("content").asText()).isEqualTo(TestServer.streamedText(data));
    }

    @Test
    void sixteenConcurrentStreamsEachGetWhatTheyGetAlone() throws Exception {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 16; i++) prompts.add("Request " + i + ": " + "the cat sat on the mat ".repeat(1 + i % 5));
        List<String> alone = new ArrayList<>();
        for (String p : prompts) alone.add(TestServer.streamedText(s.stream("/v1/completions", completion(p, 24, true))));
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> f = new ArrayList<>();
            for (String p : prompts) f.add(ex.submit(() -> TestServer.streamedText(s.stream("/v1/completions", completion(p, 24, true)))));
            for (int i = 0; i < prompts.size(); i++) assertThat(f.get(i).get()).as("request " + i).isEqualTo(alone.get(i));
        }
        assertThat(alone.stream().distinct().count()).as("different prompts, different answers").isGreaterThan(1);
        assertThat(s.server.metrics().mostSequencesInAStep()).as("sequences decoded together in one step").isGreaterThanOrEqualTo(8);
    }

    /**
     * A prompt several prefill chunks long, prefilled step by step while other sequences decode, and seeded sampling
     * (each request's own random stream): the same answers as alone.
     */
    @Test
    void chunkedPrefillAndSeededSamplingBesideOthersChangeNothing() throws Exception {
        String longPrompt = "The quick brown fox jumps over the lazy dog. ".repeat(4); // > 3 chunks of 32 tokens
        String seeded = "{\"prompt\":\"Once upon a time\",\"max_tokens\":24,\"temperature\":0.9,\"top_k\":40,\"top_p\":0.95,\"min_p\":0.05,"
                + "\"seed\":1234,\"presence_penalty\":0.5,\"frequency_penalty\":0.3,\"stream\":true}";
        String aloneLong = TestServer.streamedText(s.stream("/v1/completions", completion(longPrompt, 16, true)));
        String aloneSeeded = TestServer.streamedText(s.stream("/v1/completions", seeded));
        assertThat(TestServer.streamedText(s.stream("/v1/completions", seeded))).as("a seed reproduces").isEqualTo(aloneSeeded);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> noise = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String p = "Noise " + i;
                noise.add(ex.submit(() -> TestServer.streamedText(s.stream("/v1/completions", completion(p, 40, true)))));
            }
            Thread.sleep(50); // the others are decoding when these arrive
            Future<String> lng = ex.submit(() -> TestServer.streamedText(s.stream("/v1/completions", completion(longPrompt, 16, true))));
            Future<String> sd = ex.submit(() -> TestServer.streamedText(s.stream("/v1/completions", seeded)));
            assertThat(lng.get()).isEqualTo(aloneLong);
            assertThat(sd.get()).isEqualTo(aloneSeeded);
            for (Future<String> f : noise) f.get();
        }
    }

    /**
     * A slot keeps its cache after its request: a prompt that extends an earlier one is prefilled only past the shared
     * prefix (usage.prompt_tokens_details.cached_tokens, timings.cache_n), and answers as it did when prefilled whole.
     */
    @Test
    void aPromptExtendingAnEarlierOneIsPrefilledOnlyPastTheCachedPrefix() throws Exception {
        String first = "Zebra Quill counted seven blue pebbles by the river, then she walked home";
        String longer = first + " and told her mother";
        JsonNode whole = TestServer.JSON.readTree(s.post("/v1/completions", completion(longer, 10, false)).body());
        int promptTokens = whole.path("usage").path("prompt_tokens").asInt();
        assertThat(whole.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).as("nothing shares it yet").isLessThan(3);

        JsonNode a = TestServer.JSON.readTree(s.post("/v1/completions", completion(first, 10, false)).body());
        int firstTokens = a.path("usage").path("prompt_tokens").asInt();
        // the slot that held `longer` serves `first`: all but its last token cached
        assertThat(a.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(firstTokens - 1);

        JsonNode b = TestServer.JSON.readTree(s.post("/v1/completions", completion(longer, 10, false)).body());
        int cached = b.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt();
        assertThat(cached).isGreaterThanOrEqualTo(firstTokens - 1).isLessThan(promptTokens);
        assertThat(b.path("usage").path("prompt_tokens").asInt()).isEqualTo(promptTokens);
        assertThat(b.path("timings").path("cache_n").asInt()).isEqualTo(cached);
        assertThat(b.path("timings").path("prompt_n").asInt()).isEqualTo(promptTokens - cached);
        assertThat(b.path("choices").path(0).path("text").asText()).isEqualTo(whole.path("choices").path(0).path("text").asText());
        assertThat(s.get("/metrics").body()).contains("jmoe_prompt_cached_tokens_total");
    }
}
