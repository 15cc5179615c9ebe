package dev.jmoe.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official {@code openai} npm client (pinned in src/test/js/package.json, installed with {@code npm ci}) runs
 * chat, streaming chat, completions, models and an error case against {@code jmoe serve} with an API key. Skips,
 * saying so, only where node or npm is missing.
 */
class OpenAiClientTest {
    @TempDir
    Path dir;

    @Test
    void officialClientTalksToTheServer() throws Exception {
        Assumptions.assumeTrue(runs("node", "--version") && runs("npm", "--version"), "node and npm are needed for the openai client check");
        Path js = Path.of("src", "test", "js").toAbsolutePath();
        if (!Files.isDirectory(js.resolve("node_modules", "openai"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(js.toFile()).redirectErrorStream(true).start();
            String log = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(npm.waitFor(5, TimeUnit.MINUTES) && npm.exitValue() == 0).as("npm ci: " + log).isTrue();
        }
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(2).withApiKey("k-123"))) {
            Process node = new ProcessBuilder("node", "openai-client.mjs", "http://127.0.0.1:" + s.server.port() + "/v1", "dsv3-tiny", "k-123")
                    .directory(js.toFile()).redirectErrorStream(true).start();
            String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(node.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(node.exitValue()).as(out).isZero();
            var j = TestServer.JSON.readTree(out.lines().reduce((a, b) -> b).orElseThrow());
            assertThat(j.path("streamed").asText()).isEqualTo(j.path("chat").asText());
        }
    }

    private static boolean runs(String... cmd) {
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
