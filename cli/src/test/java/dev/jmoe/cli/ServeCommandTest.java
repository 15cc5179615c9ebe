package dev.jmoe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.model.synth.Shapes;
import dev.jmoe.model.synth.Synthesizer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code jmoe serve} as a command: options, a request through it, and SIGTERM ending it with status 0. */
class ServeCommandTest {
    @TempDir
    Path dir;

    private Path synth() {
        Path p = dir.resolve("dsv3-tiny.gguf");
        Synthesizer.write(Shapes.spec("dsv3-tiny", null), GgmlType.Q8_0, 3, false, p, Synthesizer.Progress.NONE);
        return p;
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> post(int port, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesChatUntilStoppedThenReturnsZero() throws Exception {
        Path m = synth();
        CommandLine cl = Main.commandLine();
        ServeCommand cmd = (ServeCommand) cl.getSubcommands().get("serve").getCommand();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        CompletableFuture<Integer> rc = CompletableFuture.supplyAsync(() -> cl.execute("serve", "-m", m.toString(), "--port", "0",
                "--parallel", "2", "--ctx", "128", "--threads", "1", "--chat-template", "chatml", "--api-key", "sesame"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (cmd.server == null && !rc.isDone() && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(cmd.server).as(err.toString()).isNotNull();
        int port = cmd.server.port();
        HttpResponse<String> noKey = post(port, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(noKey.statusCode()).isEqualTo(401);
        // greedy: OpenAI's default temperature 1 samples, and a sampled end-of-text made this test flaky
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"dsv3-tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":5,\"temperature\":0}"))
                .header("Authorization", "Bearer sesame").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"object\":\"chat.completion\"", "\"completion_tokens\":5");
        cmd.stop.countDown();
        assertThat(rc.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
        assertThat(err.toString()).contains("listening on http://127.0.0.1:" + port, "chat template chatml", "stopped");
    }

    @Test
    void badOptionsFailBeforeLoading() {
        CliRun r = CliRun.run(null, "serve", "-m", dir.resolve("missing.gguf").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("model file not found");
        Path m = synth();
        assertThat(CliRun.run(null, "serve", "-m", m.toString(), "--parallel", "0").err()).contains("--parallel must be >= 1");
        assertThat(CliRun.run(null, "serve", "-m", m.toString(), "--port", "70000").err()).contains("--port must be in 0..65535");
        assertThat(CliRun.run(null, "serve", "-m", m.toString(), "--chat-template", "nope").err()).contains("neither a built-in chat template nor a file");
    }

    /** A real process: SIGTERM while a stream runs lets the stream finish ([DONE]) and exits 0. */
    @Test
    void sigtermDrainsAndExitsZero() throws Exception {
        Path m = synth();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "-m", m.toString(),
                "--port", "0", "--parallel", "2", "--ctx", "256", "--threads", "1"));
        Path log = dir.resolve("serve.log");
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile()).start();
        try {
            int port = -1;
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (port < 0 && p.isAlive() && System.nanoTime() < deadline) {
                Matcher mm = listening.matcher(Files.readString(log));
                if (mm.find()) port = Integer.parseInt(mm.group(1));
                else Thread.sleep(50);
            }
            assertThat(port).as(Files.readString(log)).isPositive();
            HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"Once upon a time\",\"max_tokens\":200,\"temperature\":0,\"stream\":true}"))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            BufferedReader body = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            String line;
            do line = body.readLine(); while (line != null && !line.startsWith("data: ")); // keep-alive comments until the first token
            assertThat(line).startsWith("data: "); // generation is under way
            p.destroy(); // SIGTERM
            List<String> rest = body.lines().filter(l -> l.startsWith("data: ")).toList();
            assertThat(rest.getLast()).isEqualTo("data: [DONE]");
            assertThat(rest.get(rest.size() - 2)).contains("\"finish_reason\":\"length\"");
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).contains("stopping", "stopped");
        } finally {
            p.destroyForcibly();
        }
    }
}
