package dev.jmoe.server;

import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.TokenBatch;
import dev.jmoe.model.generate.HeldTokens;
import dev.jmoe.model.generate.TextStream;
import dev.jmoe.model.tokenizer.Tokenizer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching: one engine thread owns the model and, every step, runs one forward pass over all sequences in
 * the KV slots — one decode token for each sequence that is generating, plus up to {@code prefillChunk} prompt
 * tokens of sequences still prefilling — so each weight (and each MoE expert any of them routes to) is read once per
 * step for all of them. Requests wait in a bounded queue and join between steps when a slot is free; a finished or
 * cancelled sequence frees its slot at once. A sequence's tokens do not depend on its neighbours (the model's forward
 * is batch-invariant), so greedy requests return the same text alone or beside others.
 *
 * <p>A slot keeps its cache when its sequence ends: a request goes to the free slot whose cached tokens share the
 * longest prefix with its prompt, and only the rest is prefilled (a chat client resends the whole conversation each
 * turn; llama-server's {@code cache_prompt}). The prefix's cache holds what a full prefill would compute (the
 * forward is batch-invariant), so the answer is the same.
 */
final class Scheduler implements AutoCloseable {
    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final ServerMetrics metrics;
    private final int vocab, prefillChunk;
    private final ArrayBlockingQueue<Sequence> waiting;
    private final Sequence[] slot;          // [slots] the sequence in each KV slot, or null
    private final TokenBatch batch;
    private final float[] logits;           // [slots, vocab] one row per sequence that sampled this step
    private final float[] row;              // [vocab] the row handed to a sampler (it edits in place)
    private final Sequence[] rowOwner;      // [slots]
    private final HeldTokens[] held;        // [slots] the tokens each slot's cache holds, in order
    private final long[] freedAt;           // [slots] when each slot's last sequence ended (a count of endings)
    private long endings;
    private final AtomicLong ids = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger inUse = new java.util.concurrent.atomic.AtomicInteger();
    private final Thread thread;
    private volatile boolean running = true, accepting = true;
    // tests only: hold the engine between steps (queue states set up exactly), or slow each step (a client can leave mid-stream)
    private volatile boolean paused, pauseSeen;
    private volatile long stepDelayMs;

    Scheduler(LanguageModel model, Tokenizer tokenizer, int queue, int prefillChunk, ServerMetrics metrics) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.metrics = metrics;
        this.vocab = model.vocabSize();
        this.prefillChunk = prefillChunk;
        int slots = model.slots();
        this.waiting = new ArrayBlockingQueue<>(queue);
        this.slot = new Sequence[slots];
        this.batch = new TokenBatch(slots + prefillChunk);
        this.logits = new float[slots * vocab];
        this.row = new float[vocab];
        this.rowOwner = new Sequence[slots];
        this.held = new HeldTokens[slots];
        java.util.Arrays.setAll(held, i -> new HeldTokens());
        this.freedAt = new long[slots];
        metrics.gauges(waiting::size, this::slotsInUse, slots);
        this.thread = Thread.ofPlatform().name("jmoe-engine").daemon().start(this::loop);
    }

    int contextLength() {
        return model.contextLength();
    }

    /** Queues a request; 503 when the queue is full or the server is stopping. */
    Sequence submit(CompletionRequest r) {
        if (!accepting || !running) throw new ApiException(503, "server_error", null, "the server is shutting down");
        TextStream text = new TextStream(id -> tokenizer.tokenToPiece(id, false), r.stop());
        Sequence s = new Sequence(ids.incrementAndGet(), r, r.sampler().build(vocab), text);
        if (!waiting.offer(s)) throw new ApiException(503, "server_busy", null, "the request queue is full (" + waiting.size() + " waiting); retry later");
        return s;
    }

    /** KV slots holding a sequence (read by the metrics from other threads). */
    int slotsInUse() {
        return inUse.get();
    }

    /** Refuses new requests from now on (503); what is queued or running goes on. */
    void stopAccepting() {
        accepting = false;
    }

    /** Nothing waiting and no sequence in a slot. */
    boolean idle() {
        return waiting.isEmpty() && inUse.get() == 0;
    }

    /** Tests: stop taking steps (true; returns once the engine holds) or go on (false). */
    void pause(boolean on) {
        pauseSeen = false;
        paused = on;
        while (on && !pauseSeen && thread.isAlive()) Thread.onSpinWait();
    }

    /** Tests: sleep this long before each step. */
    void throttle(long millis) {
        stepDelayMs = millis;
    }

    private void loop() {
        while (running) {
            try {
                if (paused) {
                    pauseSeen = true;
                    Thread.sleep(2);
                    continue;
                }
                if (stepDelayMs > 0) Thread.sleep(stepDelayMs);
                if (!admit()) continue;
                step();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                // a failing step (e.g. a NaN with --check-finite) ends the sequences in it, not the server
                for (int s = 0; s < slot.length; s++) {
                    if (slot[s] != null) finish(s, new Sequence.Failure(new ApiException(500, "server_error", null, "generation failed: " + e.getMessage())));
                }
            }
        }
        for (int s = 0; s < slot.length; s++) {
            if (slot[s] != null) finish(s, new Sequence.Failure(new ApiException(503, "server_error", null, "the server is shutting down")));
        }
        for (Sequence w; (w = waiting.poll()) != null; ) w.emit(new Sequence.Failure(new ApiException(503, "server_error", null, "the server is shutting down")));
    }

    /** Moves waiting requests into free slots; false when nothing is running (after waiting a while for work). */
    private boolean admit() throws InterruptedException {
        for (int s = 0; s < slot.length; s++) {
            if (slot[s] != null && slot[s].cancelled()) finish(s, null);
        }
        boolean any = false;
        for (int free = freeSlots(); free > 0; free--) {
            Sequence w = waiting.poll();
            while (w != null && w.cancelled()) w = waiting.poll();
            if (w == null) break;
            start(bestSlot(w.request.promptIds()), w);
        }
        for (Sequence q : slot) any |= q != null;
        if (!any) {
            Sequence w = waiting.poll(100, TimeUnit.MILLISECONDS);
            if (w != null && !w.cancelled()) start(bestSlot(w.request.promptIds()), w);
            return false;
        }
        return true;
    }

    private int freeSlots() {
        int n = 0;
        for (Sequence q : slot) if (q == null) n++;
        return n;
    }

    /**
     * The free slot whose cache shares the longest prefix with {@code prompt}, if that prefix is more than half the
     * prompt (llama-server's slot similarity rule); else the free slot freed longest ago, so that a prompt that shares
     * little (a BOS token, a system prompt) does not evict the cache of a recent conversation. One slot must be free.
     */
    private int bestSlot(int[] prompt) {
        int best = -1, bestLen = -1, oldest = -1;
        for (int s = 0; s < slot.length; s++) {
            if (slot[s] != null) continue;
            int common = held[s].reusable(prompt, model.position(s));
            if (common > bestLen) {
                best = s;
                bestLen = common;
            }
            if (oldest < 0 || freedAt[s] < freedAt[oldest]) oldest = s;
        }
        return 2 * bestLen > prompt.length ? best : oldest;
    }

    private void start(int s, Sequence w) {
        int cached = held[s].reusable(w.request.promptIds(), model.position(s));
        model.truncate(s, cached);
        held[s].truncate(cached);
        w.slot = s;
        w.prefilled = w.cached = cached;
        w.startNs = System.nanoTime();
        for (int t : w.request.promptIds()) w.sampler.accept(t); // penalties see the prompt, as llama.cpp's do
        slot[s] = w;
        inUse.incrementAndGet();
        metrics.queueWait(w.startNs - w.enqueuedNs);
    }

    private void step() {
        batch.clear();
        int budget = prefillChunk, rows = 0;
        for (Sequence q : slot) {
            if (q == null) continue;
            if (q.prefilling()) {
                int[] p = q.request.promptIds();
                int n = Math.min(budget, p.length - q.prefilled);
                for (int i = 0; i < n; i++) {
                    batch.add(p[q.prefilled + i], q.slot, q.prefilled + i == p.length - 1);
                    held[q.slot].add(p[q.prefilled + i]);
                }
                q.prefilled += n;
                budget -= n;
                if (!q.prefilling() && n > 0) rowOwner[rows++] = q;
            } else {
                batch.add(q.lastToken, q.slot, true);
                held[q.slot].add(q.lastToken);
                rowOwner[rows++] = q;
            }
        }
        if (batch.size() == 0) return;
        metrics.step(rows, batch.size());
        model.forward(batch, logits);
        for (int k = 0; k < rows; k++) {
            System.arraycopy(logits, k * vocab, row, 0, vocab);
            sample(rowOwner[k], row);
            rowOwner[k] = null;
        }
    }

    private void sample(Sequence q, float[] logits) {
        int id = q.sampler.sample(logits);
        q.sampler.accept(id);
        long now = System.nanoTime();
        if (q.generated == 0) {
            q.firstTokenNs = now;
            metrics.firstToken(now - q.enqueuedNs);
        }
        q.generated++;
        q.lastToken = id;
        boolean eog = tokenizer.isEog(id);
        boolean full = model.position(q.slot) >= model.contextLength(); // no room to feed this token back
        boolean last = eog || full || q.generated >= q.request.maxTokens();
        String piece = q.text.push(id, !eog, last);
        boolean ends = eog || q.text.stopped() || last;
        // every token goes out, even one whose text is empty (a control or unused token) or still held back (part of
        // a UTF-8 character or of a possible stop string): the client sees progress and its first token, and a client
        // that left is noticed by the next write
        if (!piece.isEmpty() || !ends) q.emit(new Sequence.Text(piece));
        if (ends) {
            double promptMs = (q.firstTokenNs - q.startNs) / 1e6, genMs = (now - q.firstTokenNs) / 1e6;
            String reason = eog || q.text.stopped() ? "stop" : "length";
            finish(q.slot, new Sequence.Finish(reason, q.request.promptIds().length, q.cached, q.generated, promptMs, genMs));
        }
    }

    /**
     * Frees slot s and tells its sequence how it ended (null: it was cancelled, nobody listens). The slot's cache stays
     * for a later prompt with the same prefix, unless the sequence failed (a step that threw may have left it part-written).
     */
    private void finish(int s, Sequence.Event how) {
        Sequence q = slot[s];
        slot[s] = null;
        inUse.decrementAndGet();
        freedAt[s] = ++endings;
        if (how instanceof Sequence.Failure) {
            model.truncate(s, 0);
            held[s].truncate(0);
        }
        if (how != null) q.emit(how);
        metrics.finished(q, how);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
