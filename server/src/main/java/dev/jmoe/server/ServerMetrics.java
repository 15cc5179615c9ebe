package dev.jmoe.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What {@code GET /metrics} shows (Prometheus text format, Micrometer): requests by endpoint and status, prompt and
 * generated tokens, time to first token and per-request generation tok/s histograms, queue wait, queue depth, the
 * running batch (sequences and tokens in the last step), KV slots in use and in all.
 */
final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter promptTokens, cachedTokens, generatedTokens, cancelled;
    private final Timer ttft, queueWait;
    private final DistributionSummary tokensPerSecond;
    private final AtomicInteger batchSequences = new AtomicInteger(), batchTokens = new AtomicInteger(), mostSequences = new AtomicInteger();

    ServerMetrics() {
        promptTokens = Counter.builder("jmoe.prompt.tokens").description("prompt tokens prefilled").register(registry);
        cachedTokens = Counter.builder("jmoe.prompt.cached.tokens").description("prompt tokens found in a slot's cache, not prefilled").register(registry);
        generatedTokens = Counter.builder("jmoe.generated.tokens").description("tokens generated").register(registry);
        cancelled = Counter.builder("jmoe.requests.cancelled").description("sequences cancelled by a client that went away").register(registry);
        ttft = Timer.builder("jmoe.time.to.first.token").description("from arrival to the first generated token")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5)).register(registry);
        queueWait = Timer.builder("jmoe.queue.wait").description("from arrival to a KV slot").register(registry);
        tokensPerSecond = DistributionSummary.builder("jmoe.request.generation.tokens.per.second")
                .description("generation speed of each finished request").serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
                .register(registry);
        Gauge.builder("jmoe.batch.sequences", batchSequences, AtomicInteger::get).description("sequences in the last forward step").register(registry);
        Gauge.builder("jmoe.batch.tokens", batchTokens, AtomicInteger::get).description("tokens in the last forward step").register(registry);
    }

    void gauges(Supplier<Number> queueDepth, Supplier<Number> slotsInUse, int slots) {
        Gauge.builder("jmoe.queue.depth", queueDepth).description("requests waiting for a KV slot").register(registry);
        Gauge.builder("jmoe.kv.slots.in.use", slotsInUse).description("KV slots holding a sequence").register(registry);
        Gauge.builder("jmoe.kv.slots", () -> slots).description("KV slots in all (--parallel)").register(registry);
    }

    void request(String endpoint, int status) {
        registry.counter("jmoe.requests", "endpoint", endpoint, "status", Integer.toString(status)).increment();
    }

    void step(int sequences, int tokens) {
        batchSequences.set(sequences);
        batchTokens.set(tokens);
        mostSequences.accumulateAndGet(sequences, Math::max);
    }

    void queueWait(long nanos) {
        queueWait.record(Duration.ofNanos(nanos));
    }

    void firstToken(long nanosSinceArrival) {
        ttft.record(Duration.ofNanos(nanosSinceArrival));
    }

    void finished(Sequence q, Sequence.Event how) {
        promptTokens.increment(q.prefilled - q.cached);
        cachedTokens.increment(q.cached);
        generatedTokens.increment(q.generated);
        if (how == null) cancelled.increment();
        if (how instanceof Sequence.Finish f && f.completionTokens() > 1 && f.generationMs() > 0) {
            tokensPerSecond.record((f.completionTokens() - 1) / (f.generationMs() / 1e3));
        }
    }

    /** The most sequences one step has sampled for so far (tests). */
    int mostSequencesInAStep() {
        return mostSequences.get();
    }

    String scrape() {
        return registry.scrape();
    }
}
