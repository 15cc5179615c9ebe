package dev.jmoe.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official {@code openai} npm client (the version pinned in src/test/js/package-lock.json) runs chat, streaming chat
 * and completions against the server: what real clients parse, not only what our own tests expect. Needs node and npm
 * (skipped, saying so, without them); {@code npm ci} installs into target/openai-client once.
 */
class OpenAiClientTest {
    @TempDir
    Path dir;

    @Test
    void officialClientTalksToTheServer() throws Exception {
        Assumptions.assumeTrue(onPath("node") && onPath("npm"), "node and npm are not on the PATH: the openai npm client test is skipped");
        Path src = Path.of("src/test/js"), work = Path.of("target/openai-client");
        Files.createDirectories(work);
        // install again when the pinned lock changed since the last install (or there was none)
        boolean stale = !Files.exists(work.resolve("node_modules/openai/package.json")) || !Files.exists(work.resolve("package-lock.json"))
                || Files.mismatch(src.resolve("package-lock.json"), work.resolve("package-lock.json")) >= 0;
        for (String f : List.of("package.json", "package-lock.json", "client.mjs")) {
            Files.copy(src.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        if (stale) {
            Run ci = run(work, 300, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts");
            assertThat(ci.exit()).as("npm ci (needs the npm registry):\n" + ci.output()).isZero();
        }
        try (TestServer s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(2).withApiKey("sk-test"))) {
            Run r = run(work, 120, "node", "client.mjs", "http://127.0.0.1:" + s.server.port() + "/v1", "sk-test", "dsv3-tiny");
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).contains("\"ok\":true");
        }
    }

    private record Run(int exit, String output) {}

    private static Run run(Path dir, int seconds, String... cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile("jmoe-node", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(-1, "timed out after " + seconds + " s: " + String.join(" ", cmd) + "\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) return true;
        }
        return false;
    }
}
