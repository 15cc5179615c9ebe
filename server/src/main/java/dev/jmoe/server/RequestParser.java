package dev.jmoe.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmoe.model.generate.SamplerParams;
import dev.jmoe.model.tokenizer.ChatMessage;
import dev.jmoe.model.tokenizer.ChatTemplate;
import dev.jmoe.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns a request body into a {@link CompletionRequest} or a 400 naming the parameter: OpenAI's field names, types
 * and ranges (temperature 0–2, penalties −2–2, at most 4 stop strings, n = 1), the model's chat template for
 * messages, and the context check (prompt + max_tokens must fit one KV slot) before anything is queued.
 */
final class RequestParser {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private final ObjectMapper json;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String modelName;
    private final int context;

    /** @param template the chat template, or null when the model has none (chat requests then get a 400) */
    RequestParser(ObjectMapper json, Tokenizer tokenizer, ChatTemplate template, String modelName, int context) {
        this.json = json;
        this.tokenizer = tokenizer;
        this.template = template;
        this.modelName = modelName;
        this.context = context;
    }

    /** @param body the raw bytes: JSON is UTF-8, and Jackson refuses malformed UTF-8 where a decoder would replace it */
    CompletionRequest parse(byte[] body, boolean chat) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(null, "the body is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw ApiException.badRequest(null, "the body must be a JSON object");
        String model = optString(root, "model");
        if (model != null && !model.equals(modelName)) {
            throw new ApiException(400, "invalid_request_error", "model", "unknown model '" + model + "': this server serves '" + modelName + "'");
        }
        optInt(root, "n", 1, 1, 1); // one choice per request
        int[] ids = chat ? chatPrompt(root) : textPrompt(root);
        if (ids.length == 0) throw ApiException.badRequest(chat ? "messages" : "prompt", "the prompt is empty");
        if (ids.length >= context) {
            throw ApiException.badRequest(chat ? "messages" : "prompt", "the prompt is " + ids.length + " tokens; the context holds " + context);
        }
        String maxKey = root.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        int maxTokens = optInt(root, maxKey, context - ids.length, 1, Integer.MAX_VALUE);
        if (ids.length + (long) maxTokens > context) {
            throw ApiException.badRequest(maxKey, "the prompt (" + ids.length + " tokens) + " + maxKey + " (" + maxTokens
                    + ") exceed the context of " + context + " tokens");
        }
        float temperature = optFloat(root, "temperature", 1.0f, 0f, 2f);
        float topP = optFloat(root, "top_p", 1.0f, 0f, 1f);
        int topK = optInt(root, "top_k", 0, 0, Integer.MAX_VALUE);
        float minP = optFloat(root, "min_p", 0f, 0f, 1f);
        float presence = optFloat(root, "presence_penalty", 0f, -2f, 2f);
        float frequency = optFloat(root, "frequency_penalty", 0f, -2f, 2f);
        long seed = root.has("seed") && !root.get("seed").isNull() ? longValue(root, "seed") : System.nanoTime();
        // penalties look back over the whole generation, as OpenAI's do; repeat penalty off (not an OpenAI field)
        int lastN = presence != 0 || frequency != 0 ? context : 0;
        SamplerParams sp = new SamplerParams(temperature, topK, topP, minP, 1f, frequency, presence, lastN, seed, 0);
        boolean stream = optBool(root, "stream", false);
        boolean includeUsage = false;
        JsonNode so = root.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) throw ApiException.badRequest("stream_options", "stream_options must be an object");
            includeUsage = optBool(so, "include_usage", false);
        }
        return new CompletionRequest(chat, ids, sp, maxTokens, stops(root), stream, includeUsage);
    }

    private int[] textPrompt(JsonNode root) {
        JsonNode p = root.get("prompt");
        if (p == null || p.isNull()) throw ApiException.badRequest("prompt", "prompt is required");
        if (p.isTextual()) return tokenizer.encode(p.asText(), true, true);
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) return tokenizer.encode(p.get(0).asText(), true, true);
        if (p.isArray() && !p.isEmpty() && allInts(p)) {
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                long v = p.get(i).asLong();
                if (v < 0 || v >= tokenizer.vocabSize()) throw ApiException.badRequest("prompt", "token id " + v + " is outside the vocabulary of " + tokenizer.vocabSize());
                ids[i] = (int) v;
            }
            return ids;
        }
        throw ApiException.badRequest("prompt", "prompt must be a string, an array of one string, or an array of token ids");
    }

    private static boolean allInts(JsonNode a) {
        for (JsonNode x : a) if (!x.isIntegralNumber()) return false;
        return true;
    }

    private int[] chatPrompt(JsonNode root) {
        JsonNode ms = root.get("messages");
        if (ms == null || !ms.isArray()) throw ApiException.badRequest("messages", "messages must be an array of messages");
        if (ms.isEmpty()) throw ApiException.badRequest("messages", "messages must not be empty");
        List<ChatMessage> list = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) throw ApiException.badRequest(at, at + " must be an object");
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) throw ApiException.badRequest(at + ".role", at + ".role must be a string");
            if (!ROLES.contains(role.asText())) throw ApiException.badRequest(at + ".role", "unknown role '" + role.asText() + "': use one of " + ROLES);
            list.add(new ChatMessage(role.asText().equals("developer") ? "system" : role.asText(), content(m.get("content"), at + ".content")));
        }
        if (template == null) {
            throw ApiException.badRequest("messages", "the model has no chat template (tokenizer.chat_template): start the server with --chat-template NAME|FILE, or use /v1/completions");
        }
        String prompt;
        try {
            prompt = template.renderPrompt(list, true, tokenizer);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("messages", "the chat template refused the messages: " + e.getMessage());
        }
        return tokenizer.encode(prompt, true, true);
    }

    /** A string, or an array of {@code {"type":"text","text":...}} parts joined. */
    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.asText();
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.badRequest(at, at + " parts must be {\"type\": \"text\", \"text\": string} (only text is supported)");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.badRequest(at, at + " must be a string or an array of text parts");
    }

    private static List<String> stops(JsonNode root) {
        JsonNode s = root.get("stop");
        if (s == null || s.isNull()) return List.of();
        if (s.isTextual()) return s.asText().isEmpty() ? List.of() : List.of(s.asText());
        if (s.isArray() && s.size() <= 4) {
            List<String> out = new ArrayList<>();
            for (JsonNode x : s) {
                if (!x.isTextual()) throw ApiException.badRequest("stop", "stop must be a string or an array of up to 4 strings");
                if (!x.asText().isEmpty()) out.add(x.asText());
            }
            return out;
        }
        throw ApiException.badRequest("stop", "stop must be a string or an array of up to 4 strings");
    }

    private static String optString(JsonNode o, String k) {
        JsonNode v = o.get(k);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiException.badRequest(k, k + " must be a string");
        return v.asText();
    }

    private static boolean optBool(JsonNode o, String k, boolean dflt) {
        JsonNode v = o.get(k);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw ApiException.badRequest(k, k + " must be a boolean");
        return v.asBoolean();
    }

    private static int optInt(JsonNode o, String k, int dflt, int min, int max) {
        JsonNode v = o.get(k);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiException.badRequest(k, k + " must be an integer");
        long x = v.asLong();
        if (x < min || x > max) throw ApiException.badRequest(k, k + " must be in [" + min + ", " + max + "], got " + x);
        return (int) x;
    }

    private static long longValue(JsonNode o, String k) {
        JsonNode v = o.get(k);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiException.badRequest(k, k + " must be an integer");
        return v.asLong();
    }

    private static float optFloat(JsonNode o, String k, float dflt, float min, float max) {
        JsonNode v = o.get(k);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw ApiException.badRequest(k, k + " must be a number");
        double x = v.asDouble();
        if (!(x >= min && x <= max)) throw ApiException.badRequest(k, k + " must be in [" + min + ", " + max + "], got " + v.asText());
        return (float) x;
    }
}
