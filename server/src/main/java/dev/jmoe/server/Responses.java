package dev.jmoe.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenAI's response shapes: {@code text_completion} / {@code chat.completion} objects, their streaming chunks,
 * {@code usage}, llama-server's {@code timings}, and the error body.
 */
final class Responses {
    private final ObjectMapper json;
    private final String model;

    Responses(ObjectMapper json, String model) {
        this.json = json;
        this.model = model;
    }

    static String id(boolean chat, long id) {
        return (chat ? "chatcmpl-" : "cmpl-") + id;
    }

    private ObjectNode head(boolean chat, boolean chunk, long id, long created) {
        ObjectNode o = json.createObjectNode();
        o.put("id", id(chat, id));
        o.put("object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
        o.put("created", created);
        o.put("model", model);
        return o;
    }

    /** The whole answer of a non-streaming request. */
    ObjectNode complete(boolean chat, long id, long created, String text, Sequence.Finish f) {
        ObjectNode o = head(chat, false, id, created);
        ObjectNode c = o.putArray("choices").addObject();
        c.put("index", 0);
        if (chat) {
            ObjectNode m = c.putObject("message");
            m.put("role", "assistant");
            m.put("content", text);
        } else {
            c.put("text", text);
            c.putNull("logprobs");
        }
        c.put("finish_reason", f.reason());
        o.set("usage", usage(f));
        o.set("timings", timings(f));
        return o;
    }

    /** A streaming chunk with some text (chat: a content delta; the first one also carries the role). */
    ObjectNode chunk(boolean chat, long id, long created, String text, boolean first) {
        ObjectNode o = head(chat, true, id, created);
        ObjectNode c = o.putArray("choices").addObject();
        c.put("index", 0);
        if (chat) {
            ObjectNode d = c.putObject("delta");
            if (first) d.put("role", "assistant");
            d.put("content", text);
        } else {
            c.put("text", text);
            c.putNull("logprobs");
        }
        c.putNull("finish_reason");
        return o;
    }

    /** The chunk that ends a stream: empty delta (chat) or text, the finish reason, and llama-server's timings. */
    ObjectNode last(boolean chat, long id, long created, Sequence.Finish f) {
        ObjectNode o = head(chat, true, id, created);
        ObjectNode c = o.putArray("choices").addObject();
        c.put("index", 0);
        if (chat) c.putObject("delta");
        else {
            c.put("text", "");
            c.putNull("logprobs");
        }
        c.put("finish_reason", f.reason());
        o.set("timings", timings(f));
        return o;
    }

    /** {@code stream_options.include_usage}: a chunk with no choices and the usage, before [DONE]. */
    ObjectNode usageChunk(boolean chat, long id, long created, Sequence.Finish f) {
        ObjectNode o = head(chat, true, id, created);
        o.putArray("choices");
        o.set("usage", usage(f));
        return o;
    }

    ObjectNode usage(Sequence.Finish f) {
        ObjectNode u = json.createObjectNode();
        u.put("prompt_tokens", f.promptTokens());
        u.put("completion_tokens", f.completionTokens());
        u.put("total_tokens", f.promptTokens() + f.completionTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", f.cachedTokens());
        return u;
    }

    /** As llama-server: prompt tokens found in the cache, prompt processing and generation counts, times and speeds. */
    ObjectNode timings(Sequence.Finish f) {
        ObjectNode t = json.createObjectNode();
        int prefilled = f.promptTokens() - f.cachedTokens();
        t.put("cache_n", f.cachedTokens());
        t.put("prompt_n", prefilled);
        t.put("prompt_ms", f.promptMs());
        t.put("prompt_per_second", f.promptMs() > 0 ? prefilled / (f.promptMs() / 1e3) : 0);
        int gen = Math.max(0, f.completionTokens() - 1); // the first token is timed with the prompt
        t.put("predicted_n", f.completionTokens());
        t.put("predicted_ms", f.generationMs());
        t.put("predicted_per_second", f.generationMs() > 0 ? gen / (f.generationMs() / 1e3) : 0);
        return t;
    }

    ObjectNode models(long created) {
        ObjectNode o = json.createObjectNode();
        o.put("object", "list");
        ArrayNode d = o.putArray("data");
        ObjectNode m = d.addObject();
        m.put("id", model);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "jmoe");
        return o;
    }

    ObjectNode error(ApiException e) {
        ObjectNode o = json.createObjectNode();
        ObjectNode err = o.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        if (e.param() == null) err.putNull("param");
        else err.put("param", e.param());
        err.putNull("code");
        return o;
    }
}
