package dev.jmoe.server;

import dev.jmoe.model.generate.Sampler;
import dev.jmoe.model.generate.TextStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One request in flight: written by the engine thread (prefill progress, tokens, finish), read by the request's
 * HTTP thread through {@link #next}. {@link #cancel()} (client gone) is seen by the engine before its next step.
 */
final class Sequence {

    /** What the HTTP thread receives: text as it is released, then exactly one of finish or failure. */
    sealed interface Event permits Text, Finish, Failure {}

    record Text(String text) implements Event {}

    /**
     * @param reason       "stop" (end of generation or a stop string) or "length" (max_tokens or the context)
     * @param cachedTokens the prompt's first tokens found in the slot's cache (not prefilled)
     */
    record Finish(String reason, int promptTokens, int cachedTokens, int completionTokens, double promptMs, double generationMs) implements Event {}

    record Failure(ApiException error) implements Event {}

    final long id;
    final CompletionRequest request;
    final Sampler sampler;
    final TextStream text;
    final long enqueuedNs = System.nanoTime();
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    // engine-thread state
    int slot = -1;
    int cached;           // prompt tokens found in the slot's cache
    int prefilled;        // prompt tokens in the cache (found there or sent to the model)
    int generated;        // tokens sampled
    int lastToken;        // the token the next decode step feeds
    long startNs, firstTokenNs;

    Sequence(long id, CompletionRequest request, Sampler sampler, TextStream text) {
        this.id = id;
        this.request = request;
        this.sampler = sampler;
        this.text = text;
    }

    boolean prefilling() {
        return prefilled < request.promptIds().length;
    }

    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    void emit(Event e) {
        events.add(e);
    }

    /** Whether an event is waiting. */
    boolean pending() {
        return !events.isEmpty();
    }

    /** The next event if one is waiting, else null. */
    Event poll() {
        return events.poll();
    }

    /** The next event, waiting up to {@code millis}; null on timeout. */
    Event next(long millis) throws InterruptedException {
        return events.poll(millis, TimeUnit.MILLISECONDS);
    }
}
