package dev.jmoe.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmoe.gguf.GgmlType;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.LoadOptions;
import dev.jmoe.model.ModelLoader;
import dev.jmoe.model.synth.Shapes;
import dev.jmoe.model.synth.Synthesizer;
import dev.jmoe.model.tokenizer.ChatTemplate;
import dev.jmoe.model.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@code jmoe serve} on loopback over a synthetic dsv3-tiny model, and an HTTP client for the tests. */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int CTX = 256;

    final LanguageModel model;
    final OpenAiServer server;
    final HttpClient http = HttpClient.newHttpClient();

    /** A synthetic dsv3-tiny (DeepSeek-V3 shape, MoE, MLA) written once per directory. */
    static Path model(Path dir) {
        Path p = dir.resolve("dsv3-tiny-Q8_0.gguf");
        if (!Files.exists(p)) Synthesizer.write(Shapes.spec("dsv3-tiny", null), GgmlType.Q8_0, 5, false, p, Synthesizer.Progress.NONE);
        return p;
    }

    TestServer(Path gguf, ServerOptions opt) {
        this(gguf, opt, CTX);
    }

    TestServer(Path gguf, ServerOptions opt, int ctx) {
        // GGML order: a token's bits do not depend on the batch it is served in, so the tests can ask streams served
        // together for exactly what they get alone (the default FAST order is within float rounding of that)
        model = ModelLoader.load(gguf, LoadOptions.defaults().withContextLength(ctx).withSlots(opt.parallel()).withThreads(2)
                .withMaxBatch(opt.parallel() + opt.prefillChunk()).withDotOrder(dev.jmoe.tensor.DotOrder.GGML));
        Tokenizer tok = Tokenizer.open(gguf);
        server = OpenAiServer.start(model, tok, ChatTemplate.resolve("chatml", tok), opt);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A streaming request's {@code data:} payloads, in order, up to and including [DONE]. */
    List<String> stream(String path, String body) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) throw new AssertionError("status " + r.statusCode() + ": " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        if (!r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) throw new AssertionError("not SSE: " + r.headers());
        List<String> data = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) data.add(line.substring(6));
                else if (!line.isEmpty() && !line.startsWith(":")) throw new AssertionError("unexpected SSE line: " + line);
            }
        }
        return data;
    }

    /**
     * Sends a streaming request on a raw socket and returns once its first {@code data:} event arrived; closing the
     * socket is a client going away mid-stream.
     */
    java.net.Socket openStream(String path, String body) throws Exception {
        java.net.Socket k = new java.net.Socket("127.0.0.1", server.port());
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        k.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        k.getOutputStream().write(b);
        k.getOutputStream().flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(k.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) if (line.contains("data: ")) return k;
        throw new AssertionError("the stream ended before its first event");
    }

    /** The text of a stream: chat deltas' content or completion chunks' text, concatenated. */
    static String streamedText(List<String> data) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String d : data) {
            if (d.equals("[DONE]")) break;
            JsonNode c = JSON.readTree(d).path("choices").path(0);
            if (c.has("delta")) sb.append(c.path("delta").path("content").asText(""));
            else sb.append(c.path("text").asText(""));
        }
        return sb.toString();
    }

    /** A Prometheus sample's value (first series of that name), or NaN. */
    double metric(String name) throws Exception {
        for (String line : get("/metrics").body().lines().toList()) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        server.close();
        model.close();
    }
}
