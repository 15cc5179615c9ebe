package dev.jmoe.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.tokenizer.ChatTemplate;
import dev.jmoe.model.tokenizer.Tokenizer;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code jmoe serve}: an OpenAI-compatible HTTP API over one loaded model. Helidon SE's web server runs each request on
 * its own virtual thread, so a request simply blocks on its {@link Sequence}'s events while the {@link Scheduler}'s
 * engine thread batches all of them; streaming answers are server-sent events written as the tokens come.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ServerOptions opt;
    private final Scheduler scheduler;
    private final RequestParser parser;
    private final Responses responses;
    private final ServerMetrics metrics = new ServerMetrics();
    private final byte[] bearer;
    private final WebServer server;
    private final AtomicInteger inFlight = new AtomicInteger(); // completion requests being answered (drained on shutdown)

    private OpenAiServer(LanguageModel model, Tokenizer tokenizer, ChatTemplate template, ServerOptions opt) {
        this.opt = opt;
        this.scheduler = new Scheduler(model, tokenizer, opt.queue(), opt.prefillChunk(), metrics);
        this.parser = new RequestParser(JSON, tokenizer, template, opt.modelName(), model.contextLength());
        this.responses = new Responses(JSON, opt.modelName());
        this.bearer = opt.apiKey() == null ? null : ("Bearer " + opt.apiKey()).getBytes(StandardCharsets.UTF_8);
        this.server = WebServer.builder()
                .host(opt.host())
                .port(opt.port())
                .maxPayloadSize(opt.maxBodyBytes())
                // streamed tokens are small writes: without TCP_NODELAY, Nagle + delayed ACKs can hold one ~40 ms
                .connectionOptions(c -> c.readTimeout(opt.readTimeout()).tcpNoDelay(true))
                .idleConnectionTimeout(opt.readTimeout())
                .idleConnectionPeriod(opt.readTimeout().dividedBy(2))
                .directHandlers(this::directHandlers)
                .shutdownHook(false)
                .routing(this::routes)
                .build()
                .start();
    }

    /**
     * Starts serving {@code model} (loaded with {@code opt.parallel()} KV slots) on {@code opt.host():opt.port()}
     * (port 0: a free one, see {@link #port()}).
     */
    public static OpenAiServer start(LanguageModel model, Tokenizer tokenizer, ChatTemplate template, ServerOptions opt) {
        if (model.slots() < opt.parallel()) {
            throw new IllegalArgumentException("the model was loaded with " + model.slots() + " KV slots, --parallel asks for " + opt.parallel());
        }
        return new OpenAiServer(model, tokenizer, template, opt);
    }

    public int port() {
        return server.port();
    }

    private void routes(HttpRouting.Builder r) {
        r.addFilter(this::auth)
                .get("/health", (req, res) -> send(res, "health", 200, JSON.createObjectNode().put("status", "ok")))
                .get("/metrics", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    res.send(metrics.scrape());
                })
                .get("/v1/models", (req, res) -> send(res, "models", 200, responses.models(System.currentTimeMillis() / 1000)))
                .post("/v1/completions", (req, res) -> complete(req, res, false))
                .post("/v1/chat/completions", (req, res) -> complete(req, res, true))
                .any("/v1/completions", this::notAllowed)
                .any("/v1/chat/completions", this::notAllowed)
                .any("/v1/models", this::notAllowed)
                .any("/health", this::notAllowed)
                .any("/metrics", this::notAllowed)
                .any((req, res) -> fail(res, "other", new ApiException(404, "invalid_request_error", null,
                        "no such endpoint: " + req.prologue().method().text() + " " + req.path().path())))
                .error(ApiException.class, (req, res, e) -> fail(res, endpoint(req), e))
                .error(HttpException.class, (req, res, e) -> fail(res, endpoint(req),
                        new ApiException(e.status().code(), e.status().code() < 500 ? "invalid_request_error" : "server_error", null, e.getMessage())))
                .error(RuntimeException.class, (req, res, e) -> fail(res, endpoint(req),
                        new ApiException(500, "server_error", null, "internal error: " + e)));
    }

    /**
     * Answers Helidon turns away before routing (a body over the limit, a malformed request line or header) carry the
     * same JSON error body as the API's own, so a client's error handling sees one shape.
     */
    private void directHandlers(DirectHandlers.Builder b) {
        for (DirectHandler.EventType t : DirectHandler.EventType.values()) {
            b.addHandler(t, (req, type, status, headers, message) -> {
                metrics.request("other", status.code());
                ApiException e = new ApiException(status.code(), status.code() < 500 ? "invalid_request_error" : "server_error", null,
                        message == null || message.isBlank() ? status.reasonPhrase() : message);
                return DirectHandler.TransportResponse.builder().status(status).headers(headers)
                        .header(HeaderNames.CONTENT_TYPE, "application/json")
                        .entity(responses.error(e).toString().getBytes(StandardCharsets.UTF_8)).build();
            });
        }
    }

    /** The metrics label of a request: its endpoint, or "other" (client-chosen paths must not grow the label set). */
    private static String endpoint(ServerRequest req) {
        return endpoint(req.path().path());
    }

    private static String endpoint(String path) {
        return switch (path) {
            case "/v1/completions", "/v1/chat/completions", "/v1/models", "/health" -> path;
            default -> "other";
        };
    }

    /** /v1/* needs {@code Authorization: Bearer KEY} when a key is set; compared in constant time. */
    private void auth(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (bearer != null && req.path().path().startsWith("/v1/")) {
            String h = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
            if (!MessageDigest.isEqual(h.getBytes(StandardCharsets.UTF_8), bearer)) {
                fail(res, endpoint(req.path().path()), new ApiException(401, "invalid_request_error", null, "a valid API key is required: Authorization: Bearer KEY"));
                return;
            }
        }
        chain.proceed();
    }

    private void notAllowed(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.ALLOW, req.path().path().endsWith("completions") ? "POST" : "GET");
        fail(res, endpoint(req), new ApiException(405, "invalid_request_error", null, req.prologue().method().text() + " is not allowed on " + req.path().path()));
    }

    private void complete(ServerRequest req, ServerResponse res, boolean chat) {
        inFlight.incrementAndGet();
        try {
            completeCounted(req, res, chat);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void completeCounted(ServerRequest req, ServerResponse res, boolean chat) {
        String endpoint = endpoint(req);
        CompletionRequest r = parser.parse(body(req), chat);
        Sequence s = scheduler.submit(r);
        try {
            answer(res, endpoint, r, s, chat);
        } finally {
            s.cancel(); // a no-op once it finished; otherwise nobody will read it any more: free its slot
        }
    }

    /**
     * The request body, read within the read timeout: Helidon's sockets are NIO channels, which ignore SO_TIMEOUT, so
     * a client that stalls mid-body would hold its connection for ever; it gets 408 instead (the connection then
     * closes, the entity unread).
     */
    private byte[] body(ServerRequest req) {
        if (!req.content().hasEntity()) return new byte[0];
        CompletableFuture<byte[]> read = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                read.complete(req.content().as(byte[].class));
            } catch (Throwable t) {
                read.completeExceptionally(t);
            }
        });
        try {
            return read.get(opt.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            reader.interrupt();
            throw new ApiException(408, "invalid_request_error", null, "the request body did not arrive within " + opt.readTimeout().toSeconds() + " s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re; // e.g. Helidon's 413
            throw new ApiException(400, "invalid_request_error", null, "cannot read the body: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", null, "the server is shutting down");
        }
    }

    private void answer(ServerResponse res, String endpoint, CompletionRequest r, Sequence s, boolean chat) {
        long created = System.currentTimeMillis() / 1000;
        if (r.stream()) {
            stream(res, endpoint, s, chat, created);
            return;
        }
        StringBuilder text = new StringBuilder();
        while (true) {
            Sequence.Event e = await(s);
            switch (e) {
                case Sequence.Text t -> text.append(t.text());
                case Sequence.Finish f -> {
                    send(res, endpoint, 200, responses.complete(chat, s.id, created, text.toString(), f));
                    return;
                }
                case Sequence.Failure f -> throw f.error();
            }
        }
    }

    private static Sequence.Event await(Sequence s) {
        try {
            Sequence.Event e;
            do e = s.next(1000); while (e == null);
            return e;
        } catch (InterruptedException ie) {
            s.cancel();
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", null, "the server is shutting down");
        }
    }

    /** SSE: one {@code data:} event per released piece of text, the finish chunk, usage if asked, {@code [DONE]}. */
    private void stream(ServerResponse res, String endpoint, Sequence s, boolean chat, long created) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        metrics.request(endpoint, 200);
        try (OutputStream out = res.outputStream()) {
            boolean first = true;
            while (true) {
                Sequence.Event e = s.next(1000);
                if (e == null) {
                    // nothing to say yet (queued, or a long prefill): an SSE comment, which clients ignore, finds out
                    // whether the client is still there
                    out.write(KEEP_ALIVE);
                    out.flush();
                    continue;
                }
                switch (e) {
                    case Sequence.Text t -> {
                        event(out, responses.chunk(chat, s.id, created, t.text(), first).toString());
                        first = false;
                    }
                    case Sequence.Finish f -> {
                        event(out, responses.last(chat, s.id, created, f).toString());
                        if (s.request.includeUsage()) event(out, responses.usageChunk(chat, s.id, created, f).toString());
                        event(out, "[DONE]");
                        return;
                    }
                    case Sequence.Failure f -> {
                        event(out, responses.error(f.error()).toString());
                        event(out, "[DONE]");
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the client went away (Helidon reports a failed socket write as an unchecked exception of its own);
            // completeCounted cancels the sequence, so its slot is freed before the next step
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void send(ServerResponse res, String endpoint, int status, ObjectNode body) {
        metrics.request(endpoint, status);
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void fail(ServerResponse res, String endpoint, ApiException e) {
        if (res.isSent()) return;
        if (e.status() == 503) res.header(HeaderNames.RETRY_AFTER, "1");
        send(res, endpoint, e.status(), responses.error(e));
    }

    /**
     * Graceful stop (SIGTERM): new requests get 503 from now on; queued and running ones may finish within
     * {@code grace}; what is left then ends with an error event (streams) or a 503; once their answers are written
     * the listener closes and the engine stops.
     */
    public void shutdown(Duration grace) {
        scheduler.stopAccepting();
        long deadline = System.nanoTime() + grace.toNanos();
        while (!scheduler.idle() && System.nanoTime() < deadline) pause();
        scheduler.close();
        long writeDeadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < writeDeadline) pause();
        server.stop();
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops at once: what is queued or running ends with a 503 / error event. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    Scheduler scheduler() {
        return scheduler;
    }

    ServerOptions options() {
        return opt;
    }

    ServerMetrics metrics() {
        return metrics;
    }
}
