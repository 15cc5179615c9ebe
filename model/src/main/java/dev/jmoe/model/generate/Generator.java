package dev.jmoe.model.generate;

import dev.jmoe.model.LanguageModel;
import java.util.Arrays;

/**
 * Generates tokens with a {@link LanguageModel}: the prompt in one prefill (split into micro-batches), then one
 * forward per generated token, a {@link Sampler} choosing each, streaming each to a {@link TokenListener}.
 *
 * <p>Each call starts a fresh sequence (the cache is truncated to 0), or, made with {@code reusePrefix}, keeps the
 * cached positions of the longest prefix the new prompt shares with the tokens the last call left in the cache and
 * prefills only the rest (a chat's next turn: the conversation so far is cached). Like {@code llama-cli}, the prompt
 * tokens are accepted into the sampler so repetition penalties see them. Not thread-safe: one generation at a time.
 */
public final class Generator {

    private final LanguageModel model;
    private final float[] logits;
    /** With reusePrefix: the tokens this generator left in the cache; else null. */
    private final HeldTokens held;

    public Generator(LanguageModel model) {
        this(model, false);
    }

    /**
     * @param reusePrefix keep the cache between calls and reuse the prompt's longest prefix already in it; the cache
     *                    must not be changed by others between calls (a change of its length is noticed and costs the
     *                    reuse, a refill to the same length is not)
     */
    public Generator(LanguageModel model, boolean reusePrefix) {
        this.model = model;
        this.logits = new float[model.vocabSize()];
        this.held = reusePrefix ? new HeldTokens() : null;
    }

    public LanguageModel model() {
        return model;
    }

    public Generation generate(int[] prompt, GenerationConfig config, Sampler sampler, TokenListener listener) {
        int ctx = model.contextLength();
        int vocab = model.vocabSize();
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: give at least one token");
        if (prompt.length > ctx) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, more than the context of "
                    + ctx + " (raise --ctx)");
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("prompt token " + i + " is id " + prompt[i]
                        + ", outside the vocabulary [0, " + vocab + ")");
            }
        }
        if (sampler.vocabSize() != vocab) {
            throw new IllegalArgumentException("the sampler is built for " + sampler.vocabSize()
                    + " tokens, the model has " + vocab);
        }
        if (listener == null) listener = TokenListener.NONE;
        TextStream text = config.detokenizer() == null ? null : new TextStream(config.detokenizer(), config.stopStrings());

        long start = System.nanoTime();
        int reused = held == null ? 0 : held.reusable(prompt, model.position());
        model.truncate(reused);
        if (held != null) held.truncate(reused);
        sampler.reset();
        for (int t : prompt) sampler.accept(t);

        for (int from = reused; from < prompt.length; from += config.microBatch()) {
            int n = Math.min(config.microBatch(), prompt.length - from);
            boolean lastChunk = from + n == prompt.length;
            model.forward(prompt, from, n, lastChunk ? logits : null, null);
            remember(prompt, from, n);
        }
        long prefillEnd = System.nanoTime();

        int[] out = new int[Math.min(config.maxTokens(), 1024)];
        int generated = 0;
        long firstAt = 0;
        long lastAt = 0;
        int[] one = new int[1];
        StopReason reason = StopReason.MAX_TOKENS;
        while (generated < config.maxTokens()) {
            int id = sampler.sample(logits);
            sampler.accept(id);
            lastAt = System.nanoTime();
            if (generated == 0) firstAt = lastAt;
            if (generated == out.length) out = Arrays.copyOf(out, Math.min(config.maxTokens(), 2 * out.length));
            out[generated++] = id;

            boolean eog = config.isStopToken(id);
            boolean full = model.position() >= ctx;
            boolean last = eog || full || generated == config.maxTokens();
            String piece = text == null ? null : text.push(id, !eog, last);
            listener.onToken(id, piece);

            if (eog) {
                reason = StopReason.END_OF_GENERATION;
                break;
            }
            if (text != null && text.stopped()) {
                reason = StopReason.STOP_STRING;
                break;
            }
            if (generated == config.maxTokens()) break;
            if (full) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            one[0] = id;
            model.forward(one, 0, 1, logits, null);
            remember(one, 0, 1);
        }

        GenerationStats stats = new GenerationStats(null, prompt.length - reused, reused, seconds(prefillEnd - start),
                generated > 0 ? seconds(firstAt - start) : null, generated, seconds(lastAt - firstAt),
                model.kvCacheBytes(), PeakRss.bytes());
        return new Generation(prompt.clone(), Arrays.copyOf(out, generated), text == null ? null : text.text(),
                reason, stats);
    }

    /** Notes that {@code tokens[from, from + n)} now sit in the cache (with reusePrefix). */
    private void remember(int[] tokens, int from, int n) {
        if (held != null) held.add(tokens, from, n);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
