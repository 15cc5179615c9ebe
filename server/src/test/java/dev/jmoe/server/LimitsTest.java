package dev.jmoe.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API key and the bounded queue. */
class LimitsTest {
    @TempDir
    Path dir;

    @Test
    void v1NeedsTheBearerKeyButHealthDoesNot() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(1).withApiKey("sesame"))) {
            String body = "{\"prompt\": \"hi\", \"max_tokens\": 2}";
            assertThat(s.post("/v1/completions", body).statusCode()).isEqualTo(401);
            assertThat(s.post("/v1/completions", body, "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
            assertThat(TestServer.JSON.readTree(s.post("/v1/completions", body).body()).path("error").path("message").asText()).contains("API key");
            assertThat(s.post("/v1/completions", body, "Authorization", "Bearer sesame").statusCode()).isEqualTo(200);
            assertThat(s.get("/v1/models").statusCode()).isEqualTo(401);
            assertThat(s.get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aFullQueueAnswers503WithRetryAfter() throws Exception {
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(1).withQueue(1), 4096)) {
            java.net.Socket running = s.openStream("/v1/completions", "{\"prompt\": \"go\", \"max_tokens\": 4000, \"temperature\": 0, \"stream\": true}"); // holds the only slot
            CompletableFuture<HttpResponse<String>> queued = s.http.sendAsync(HttpRequest.newBuilder(s.uri("/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"wait\", \"max_tokens\": 2}")).build(), HttpResponse.BodyHandlers.ofString());
            long until = System.currentTimeMillis() + 10_000;
            while (s.metric("jmoe_queue_depth") < 1 && System.currentTimeMillis() < until) Thread.sleep(10);
            HttpResponse<String> refused = s.post("/v1/completions", "{\"prompt\": \"no room\", \"max_tokens\": 2}");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            assertThat(TestServer.JSON.readTree(refused.body()).path("error").path("type").asText()).isEqualTo("server_busy");
            running.close(); // the client goes away, its slot frees: the queued request runs
            assertThat(queued.get().statusCode()).isEqualTo(200);
        }
    }
}
