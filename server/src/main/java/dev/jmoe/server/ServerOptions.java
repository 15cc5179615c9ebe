package dev.jmoe.server;

import java.time.Duration;

/**
 * How {@code jmoe serve} runs.
 *
 * @param modelName    the id /v1/models lists and responses carry (the file name without .gguf)
 * @param parallel     sequences decoded together in one forward pass (KV slots)
 * @param queue        requests that may wait for a slot; beyond it the server answers 503 with Retry-After
 * @param apiKey       required as {@code Authorization: Bearer KEY} on /v1/* when not null
 * @param maxBodyBytes largest request body accepted (413 above)
 * @param prefillChunk prompt tokens prefilled per step beside the running decodes, so long prompts don't stall them
 * @param readTimeout  how long a connection may stall while sending its request (slow clients are dropped after it)
 */
public record ServerOptions(String host, int port, String modelName, int parallel, int queue, String apiKey,
                            long maxBodyBytes, int prefillChunk, Duration readTimeout) {

    public ServerOptions {
        if (parallel < 1) throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
        if (queue < 1) throw new IllegalArgumentException("--queue must be >= 1, got " + queue);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be in 0..65535, got " + port);
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("body limit must be >= 1024 bytes, got " + maxBodyBytes);
        if (prefillChunk < 1) throw new IllegalArgumentException("prefill chunk must be >= 1, got " + prefillChunk);
        if (apiKey != null && apiKey.isEmpty()) throw new IllegalArgumentException("--api-key must not be empty");
        if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) throw new IllegalArgumentException("read timeout must be > 0, got " + readTimeout);
    }

    /** Loopback, a free port, 4 slots, a queue of 64, no key, 1 MiB bodies, 64-token prefill chunks, 30 s read timeout. */
    public static ServerOptions defaults(String modelName) {
        return new ServerOptions("127.0.0.1", 0, modelName, 4, 64, null, 1 << 20, 64, Duration.ofSeconds(30));
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, modelName, parallel, queue, apiKey, maxBodyBytes, prefillChunk, readTimeout);
    }

    public ServerOptions withParallel(int n) {
        return new ServerOptions(host, port, modelName, n, queue, apiKey, maxBodyBytes, prefillChunk, readTimeout);
    }

    public ServerOptions withQueue(int q) {
        return new ServerOptions(host, port, modelName, parallel, q, apiKey, maxBodyBytes, prefillChunk, readTimeout);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(host, port, modelName, parallel, queue, key, maxBodyBytes, prefillChunk, readTimeout);
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, modelName, parallel, queue, apiKey, maxBodyBytes, prefillChunk, readTimeout);
    }

    public ServerOptions withMaxBodyBytes(long b) {
        return new ServerOptions(host, port, modelName, parallel, queue, apiKey, b, prefillChunk, readTimeout);
    }

    public ServerOptions withPrefillChunk(int n) {
        return new ServerOptions(host, port, modelName, parallel, queue, apiKey, maxBodyBytes, n, readTimeout);
    }

    public ServerOptions withReadTimeout(Duration d) {
        return new ServerOptions(host, port, modelName, parallel, queue, apiKey, maxBodyBytes, prefillChunk, d);
    }
}
