package dev.jmoe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serving machinery: API key, the bounded queue, clients that go away, the metrics that show it all. */
class OperationsTest {
    @TempDir
    static Path dir;

    @Test
    void apiKeyGuardsV1ButNotHealthOrMetrics() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(1).withApiKey("s3cret"))) {
            assertThat(s.get("/v1/models").statusCode()).isEqualTo(401);
            HttpResponse<String> wrong = s.http.send(HttpRequest.newBuilder(s.uri("/v1/models")).header("Authorization", "Bearer s3cres").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            JsonNode e = TestServer.JSON.readTree(wrong.body()).path("error");
            assertThat(e.path("message").asText()).contains("API key");
            assertThat(s.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":2}", "Authorization", "s3cret").statusCode()).isEqualTo(401);
            assertThat(s.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":2}", "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
            assertThat(s.get("/health").statusCode()).isEqualTo(200);
            assertThat(s.get("/metrics").statusCode()).isEqualTo(200);
            assertThat(s.metric("jmoe_requests_total{endpoint=\"/v1/models\",status=\"401\"}")).isEqualTo(2.0);
        }
    }

    @Test
    void fullQueueIs503WithRetryAfterThenTheQueuedRequestIsServed() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(1).withQueue(1))) {
            s.server.scheduler().pause(true); // nothing leaves the queue
            CompletableFuture<HttpResponse<String>> queued = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":3,\"temperature\":0}");
                } catch (Exception x) {
                    throw new RuntimeException(x);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (s.metric("jmoe_queue_depth") < 1 && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(s.metric("jmoe_queue_depth")).isEqualTo(1.0);
            HttpResponse<String> busy = s.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":3}");
            assertThat(busy.statusCode()).isEqualTo(503);
            assertThat(busy.headers().firstValue("retry-after")).contains("1");
            assertThat(TestServer.JSON.readTree(busy.body()).path("error").path("message").asText()).contains("queue is full");
            s.server.scheduler().pause(false);
            HttpResponse<String> r = queued.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(s.metric("jmoe_queue_depth")).isZero();
        }
    }

    @Test
    void promptPlusMaxTokensBeyondTheContextIs400BeforeQueueing() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(1))) {
            HttpResponse<String> r = s.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":" + (TestServer.CTX - 2) + "}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestServer.JSON.readTree(r.body()).path("error").path("message").asText()).contains("exceed the context of " + TestServer.CTX);
            assertThat(s.metric("jmoe_generated_tokens_total")).isZero();
        }
    }

    /** A streaming client that closes its connection: its sequence is cancelled and the slot freed, as /metrics shows. */
    @Test
    void disconnectMidStreamFreesTheSlot() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(2))) {
            s.server.scheduler().throttle(20); // 200 tokens would take 4 s
            String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":200,\"temperature\":0,\"stream\":true}";
            try (Socket c = new Socket("127.0.0.1", s.server.port())) {
                OutputStream out = c.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                String line;
                do line = in.readLine(); while (line != null && !line.contains("data: "));
                assertThat(line).as("a first token arrived").isNotNull();
                assertThat(s.metric("jmoe_kv_slots_in_use")).isEqualTo(1.0);
            }
            long left = System.nanoTime();
            long deadline = left + TimeUnit.SECONDS.toNanos(10);
            while (s.metric("jmoe_kv_slots_in_use") > 0 && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(s.metric("jmoe_kv_slots_in_use")).isZero();
            // the second write after the close fails (the first only draws the peer's reset): a few steps, not the rest
            assertThat((System.nanoTime() - left) / 1e6).as("ms until the slot was free").isLessThan(1000);
            assertThat(s.metric("jmoe_requests_cancelled_total")).isEqualTo(1.0);
            assertThat(s.metric("jmoe_generated_tokens_total")).as("cancelled well before max_tokens").isLessThan(200);
            // and the slot serves the next request
            s.server.scheduler().throttle(0);
            assertThat(s.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":3}").statusCode()).isEqualTo(200);
        }
    }

    /**
     * Two slots: a prompt that shares little with a cached conversation (its BOS) takes the slot freed longest ago, so
     * the conversation's cache survives for its next turn; one that shares most of itself takes the conversation's slot.
     */
    @Test
    void promptsThatShareLittleDoNotEvictACachedConversation() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(2))) {
            String talk = "{\"prompt\":\"A long talk about rivers, stones and the seven blue pebbles of Quill\",\"max_tokens\":4,\"temperature\":0}";
            String other = "{\"prompt\":\"Something else entirely\",\"max_tokens\":4,\"temperature\":0}";
            assertThat(cached(s.post("/v1/completions", talk))).isLessThan(2);
            assertThat(cached(s.post("/v1/completions", other))).isLessThan(2); // the other slot
            assertThat(cached(s.post("/v1/completions", other))).isPositive();  // its own slot again
            HttpResponse<String> again = s.post("/v1/completions", talk);
            assertThat(cached(again)).isEqualTo(TestServer.JSON.readTree(again.body()).path("usage").path("prompt_tokens").asInt() - 1);
        }
    }

    private static int cached(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.JSON.readTree(r.body()).path("usage").path("prompt_tokens_details").path("cached_tokens").asInt();
    }

    @Test
    void metricsCountRequestsTokensAndLatencies() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(2))) {
            int promptTokens = 0;
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = s.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0}");
                assertThat(r.statusCode()).isEqualTo(200);
                promptTokens = TestServer.JSON.readTree(r.body()).path("usage").path("prompt_tokens").asInt();
            }
            assertThat(s.post("/v1/completions", "{\"prompt\":7}").statusCode()).isEqualTo(400);
            String m = s.get("/metrics").body();
            assertThat(m).contains("# TYPE jmoe_time_to_first_token_seconds histogram", "# TYPE jmoe_request_generation_tokens_per_second histogram",
                    "jmoe_batch_sequences", "jmoe_batch_tokens", "jmoe_queue_wait_seconds_count", "jmoe_kv_slots 2.0");
            assertThat(s.metric("jmoe_requests_total{endpoint=\"/v1/completions\",status=\"200\"}")).isEqualTo(3.0);
            assertThat(s.metric("jmoe_requests_total{endpoint=\"/v1/completions\",status=\"400\"}")).isEqualTo(1.0);
            assertThat(s.metric("jmoe_generated_tokens_total")).isEqualTo(15.0);
            // the first request prefilled its prompt; the two repeats found all but its last token in their slot's cache
            assertThat(s.metric("jmoe_prompt_tokens_total")).isEqualTo(promptTokens + 2.0);
            assertThat(s.metric("jmoe_prompt_cached_tokens_total")).isEqualTo(2.0 * (promptTokens - 1));
            assertThat(s.metric("jmoe_time_to_first_token_seconds_count")).isEqualTo(3.0);
            assertThat(s.metric("jmoe_request_generation_tokens_per_second_count")).isEqualTo(3.0);
            assertThat(s.metric("jmoe_kv_slots_in_use")).isZero();
        }
    }

    /** The read timeout drops stalled clients, not slow answers: requests that take longer than it complete. */
    @Test
    void answersLongerThanTheReadTimeoutComplete() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(2)
                .withReadTimeout(java.time.Duration.ofMillis(500)))) {
            s.server.scheduler().throttle(15); // 120 tokens: about 2 s, four read timeouts
            CompletableFuture<java.util.List<String>> streamed = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.stream("/v1/completions", "{\"prompt\":\"Once\",\"max_tokens\":120,\"temperature\":0,\"stream\":true}");
                } catch (Exception x) {
                    throw new RuntimeException(x);
                }
            });
            long t0 = System.nanoTime();
            HttpResponse<String> whole = s.post("/v1/completions", "{\"prompt\":\"Once\",\"max_tokens\":120,\"temperature\":0}");
            assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
            assertThat((System.nanoTime() - t0) / 1e6).as("ms, silent on the wire while generating").isGreaterThan(1000);
            assertThat(streamed.get(30, TimeUnit.SECONDS).getLast()).isEqualTo("[DONE]");
        }
    }

    /** Each token goes out as it is made: the first chunk arrives long before the last (no response buffering). */
    @Test
    void chunksArriveAsTheyAreGenerated() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(1))) {
            s.server.scheduler().throttle(100); // 8 tokens: about 0.8 s
            HttpResponse<java.io.InputStream> r = s.http.send(HttpRequest.newBuilder(s.uri("/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":8,\"temperature\":0,\"stream\":true}"))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            java.util.List<Long> at = new java.util.ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) if (line.startsWith("data: ")) at.add(System.nanoTime());
            }
            assertThat(at.size()).isGreaterThanOrEqualTo(3);
            assertThat((at.getLast() - at.getFirst()) / 1e6).as("ms between the first and the last chunk").isGreaterThan(300);
        }
    }
}
