package dev.jmoe.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * About a thousand malformed and hostile requests — fuzzed bodies (each invalid by construction), wrong methods, unknown
 * paths, oversize bodies, garbage on the wire, clients that stall — all get a 4xx (or, for a stalled client, a closed
 * connection), and after each batch /health and an ordinary request still work.
 */
class HostileRequestsTest {
    static Path dir;
    static TestServer s;
    static final AtomicInteger SENT = new AtomicInteger();

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("jmoe-hostile");
        s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(2)
                .withMaxBodyBytes(64 * 1024).withReadTimeout(Duration.ofSeconds(1)));
    }

    @AfterContainer
    static void stop() throws IOException {
        s.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertThat(SENT.get()).as("hostile requests sent").isGreaterThanOrEqualTo(1000);
    }

    @AfterProperty
    void stillServes() throws Exception {
        assertThat(s.get("/health").statusCode()).isEqualTo(200);
        HttpResponse<String> r = s.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":3,\"temperature\":0}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(s.metric("jmoe_kv_slots_in_use")).isZero();
    }

    // --- fuzzed bodies ---------------------------------------------------------------------------------------------

    static final String VALID = "{\"model\":\"dsv3-tiny\",\"prompt\":\"Once upon a time\",\"max_tokens\":2,\"temperature\":0}";
    static final String VALID_CHAT = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}";

    /** A field set to a value of the wrong type or out of range: [field, JSON value]. */
    static final String[][] WRONG = {
            {"prompt", "42"}, {"prompt", "true"}, {"prompt", "{}"}, {"prompt", "[[1]]"}, {"prompt", "[-5]"}, {"prompt", "null"},
            {"prompt", "[\"a\",\"b\"]"}, {"prompt", "[2147483648]"}, {"prompt", "\"" + "word ".repeat(400) + "\""},
            {"max_tokens", "\"8\""}, {"max_tokens", "-1"}, {"max_tokens", "0"}, {"max_tokens", "1.5"}, {"max_tokens", "1e30"},
            {"max_tokens", "true"}, {"max_tokens", "[]"}, {"max_tokens", "{}"}, {"max_tokens", "100000000000000000000"}, {"max_tokens", "-9223372036854775808"},
            {"max_tokens", "1e999999"}, {"max_tokens", "100000"},
            {"temperature", "\"hot\""}, {"temperature", "-0.1"}, {"temperature", "2.5"}, {"temperature", "[]"}, {"temperature", "\"NaN\""}, {"temperature", "1e400"},
            {"top_p", "1.01"}, {"top_p", "-1"}, {"top_p", "\"a\""}, {"top_k", "-1"}, {"top_k", "1.5"}, {"top_k", "\"a\""},
            {"min_p", "2"}, {"min_p", "-1"}, {"presence_penalty", "3"}, {"presence_penalty", "-3"}, {"frequency_penalty", "\"a\""},
            {"frequency_penalty", "2.01"}, {"seed", "\"a\""}, {"seed", "1.5"}, {"seed", "{}"}, {"seed", "1e40"},
            {"stop", "1"}, {"stop", "[1]"}, {"stop", "[\"a\",\"b\",\"c\",\"d\",\"e\"]"}, {"stop", "{}"},
            {"n", "0"}, {"n", "2"}, {"n", "\"1\""}, {"stream", "\"true\""}, {"stream", "1"},
            {"model", "\"nope\""}, {"model", "1"}, {"model", "[]"}, {"stream_options", "1"}, {"stream_options", "\"x\""},
            {"stream_options", "{\"include_usage\":\"yes\"}"}, {"max_completion_tokens", "-4"}};

    static final String[] WRONG_MESSAGES = {"[]", "\"hi\"", "[1]", "[{\"role\":\"wizard\",\"content\":\"y\"}]", "[{\"role\":\"user\",\"content\":1}]",
            "[{\"role\":1,\"content\":\"x\"}]", "[{}]", "null", "{}", "[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]",
            "[{\"role\":\"user\",\"content\":[1]}]", "[{\"role\":\"user\",\"content\":\"" + "word ".repeat(400) + "\"}]", "[null]"};

    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<byte[]> truncated = Combinators.combine(Arbitraries.of(VALID, VALID_CHAT), Arbitraries.integers().between(0, 999))
                .as((v, f) -> v.substring(0, v.length() * f / 1000).getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> wrongField = Arbitraries.of(WRONG).map(w -> {
            String body = VALID.replaceFirst("\"" + w[0] + "\":[^,}]*,?", "");
            return ("{\"" + w[0] + "\":" + w[1] + "," + body.substring(1)).getBytes(StandardCharsets.UTF_8);
        });
        Arbitrary<byte[]> wrongMessages = Arbitraries.of(WRONG_MESSAGES)
                .map(m -> ("{\"messages\":" + m + ",\"max_tokens\":2}").getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofMaxSize(300)
                .filter(b -> b.length == 0 || b[0] != '{'); // not an object: never a valid request
        Arbitrary<byte[]> nested = Arbitraries.integers().between(1000, 20000).map(d ->
                ("{\"prompt\":" + "[".repeat(d) + "]".repeat(d) + "}").getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> badUtf8 = Arbitraries.bytes().between((byte) 0x80, (byte) 0xBF).array(byte[].class).ofMinSize(1).ofMaxSize(8).map(b -> {
            byte[] head = "{\"prompt\":\"".getBytes(StandardCharsets.UTF_8), tail = "\",\"max_tokens\":2}".getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[head.length + b.length + tail.length];
            System.arraycopy(head, 0, out, 0, head.length);
            System.arraycopy(b, 0, out, head.length, b.length);       // lone continuation bytes: malformed UTF-8
            System.arraycopy(tail, 0, out, head.length + b.length, tail.length);
            return out;
        });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, truncated), net.jqwik.api.Tuple.of(5, wrongField), net.jqwik.api.Tuple.of(2, wrongMessages),
                net.jqwik.api.Tuple.of(3, noise), net.jqwik.api.Tuple.of(1, nested), net.jqwik.api.Tuple.of(1, badUtf8));
    }

    @Property(tries = 900, seed = "20261128")
    void fuzzedBodiesAre400(@ForAll("bodies") byte[] body, @ForAll boolean chat) throws Exception {
        String path = chat ? "/v1/chat/completions" : "/v1/completions";
        HttpResponse<String> r = s.http.send(HttpRequest.newBuilder(s.uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        SENT.incrementAndGet();
        assertThat(r.statusCode()).as(new String(body, StandardCharsets.UTF_8) + " -> " + r.body()).isEqualTo(400);
        assertThat(TestServer.JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
    }

    // --- the wire ----------------------------------------------------------------------------------------------------

    @Example
    void wrongMethodsUnknownPathsOversizeBodiesAndGarbageAre4xx() throws Exception {
        String[] paths = {"/v1/completions", "/v1/chat/completions", "/v1/models", "/health", "/metrics"};
        for (String m : new String[]{"PUT", "DELETE", "PATCH"}) {
            for (String p : paths) {
                HttpResponse<String> r = s.http.send(HttpRequest.newBuilder(s.uri(p)).method(m, HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                SENT.incrementAndGet();
                assertThat(r.statusCode()).as(m + " " + p).isEqualTo(405);
            }
        }
        for (String p : paths) {
            if (p.startsWith("/v1/c")) continue;
            assertThat(s.post(p, "{}").statusCode()).as("POST " + p).isEqualTo(405);
            SENT.incrementAndGet();
        }
        for (int i = 0; i < 40; i++) {
            String p = List.of("/", "/v1", "/v1/", "/v2/completions", "/v1/completions/x", "/v1/engines", "/admin", "/%2e%2e/etc/passwd",
                    "/v1/models/../../x", "/" + "a".repeat(2000)).get(i % 10);
            HttpResponse<String> r = s.get(p);
            SENT.incrementAndGet();
            assertThat(r.statusCode()).as(p).isBetween(400, 499);
        }
        // the size is refused from Content-Length, before the body is read (a client still sending a huge body would
        // see its connection reset before it reads the answer, so these send the headers and a little of the body)
        for (int kb : new int[]{65, 100, 1024, 4096, 1 << 20}) {
            String head = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + (kb * 1024L) + "\r\n\r\n{\"prompt\":\"xxxx";
            int status = rawStatus(head.getBytes(StandardCharsets.US_ASCII));
            SENT.incrementAndGet();
            assertThat(status).as(kb + " KiB").isEqualTo(413);
        }
        String[] garbage = {
                "GARBAGE\r\n\r\n",
                "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
                "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
                "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{}",
                "POST /v1/completions HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
                "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n",
                "GET /" + "b".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /health\u0000 HTTP/1.1\r\nHost: x\r\n\r\n",
                "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003", // a TLS ClientHello on the plain port
        };
        for (int i = 0; i < 3; i++) {
            for (String g : garbage) {
                int status = rawStatus(g.getBytes(StandardCharsets.ISO_8859_1));
                SENT.incrementAndGet();
                assertThat(status).as(g.length() > 80 ? g.substring(0, 80) : g).satisfiesAnyOf(
                        x -> assertThat(x).isBetween(400, 499), x -> assertThat(x).isEqualTo(-1)); // -1: closed without an answer
            }
        }
    }

    /** Clients that send part of a request and stall: dropped after the read timeout, while others are served. */
    @Example
    void stalledClientsAreDroppedWhileOthersAreServed() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Socket c = new Socket("127.0.0.1", s.server.port());
                c.setSoTimeout(10_000);
                OutputStream out = c.getOutputStream();
                out.write((i % 2 == 0 ? "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"pro" : "GET /heal")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                stalled.add(c);
                SENT.incrementAndGet();
            }
            assertThat(s.get("/health").statusCode()).isEqualTo(200);
            long t0 = System.nanoTime();
            for (Socket c : stalled) {
                int status = readStatus(c.getInputStream());
                assertThat(status).satisfiesAnyOf(x -> assertThat(x).isBetween(400, 499), x -> assertThat(x).isEqualTo(-1));
            }
            assertThat((System.nanoTime() - t0) / 1e9).as("seconds until all stalled clients were dropped").isLessThan(8);
        } finally {
            for (Socket c : stalled) c.close();
        }
    }

    /** Sends raw bytes, returns the answer's status code, or -1 when the server closed without one. */
    private static int rawStatus(byte[] request) throws IOException {
        try (Socket c = new Socket("127.0.0.1", s.server.port())) {
            c.setSoTimeout(10_000);
            OutputStream out = c.getOutputStream();
            try {
                out.write(request);
                out.flush();
                c.shutdownOutput();
            } catch (IOException closedEarly) {
                // the server may answer and close before it has read everything
            }
            return readStatus(c.getInputStream());
        }
    }

    private static int readStatus(InputStream in) throws IOException {
        byte[] head = new byte[12];
        int n = 0;
        try {
            for (int r; n < head.length && (r = in.read(head, n, head.length - n)) > 0; ) n += r;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed within 10 s");
        } catch (IOException reset) {
            return -1;
        }
        if (n < 12) return -1;
        String s = new String(head, StandardCharsets.US_ASCII);
        assertThat(s).startsWith("HTTP/1.1 ");
        return Integer.parseInt(s.substring(9, 12));
    }
}
