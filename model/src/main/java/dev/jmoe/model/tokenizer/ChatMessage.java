package dev.jmoe.model.tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One chat turn as chat templates see it: {@code role} ("system", "user", "assistant", "tool", ...), {@code content}
 * (null for an assistant turn that only calls tools), and optional extra fields a template may read
 * ({@code tool_calls}, {@code tool_call_id}, {@code name}, ...), passed through as given.
 */
public record ChatMessage(String role, String content, Map<String, Object> extra) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public ChatMessage(String role, String content) {
        this(role, content, Map.of());
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** A tool's answer to the call {@code toolCallId}. */
    public static ChatMessage tool(String content, String toolCallId) {
        return new ChatMessage("tool", content, Map.of("tool_call_id", toolCallId));
    }

    /**
     * An assistant turn that calls one function; {@code argumentsJson} is the JSON text of its arguments, as
     * OpenAI-style messages carry it.
     */
    public static ChatMessage toolCall(String id, String function, String argumentsJson) {
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("id", id);
        call.put("type", "function");
        call.put("function", Map.of("name", function, "arguments", argumentsJson));
        return new ChatMessage("assistant", null, Map.of("tool_calls", List.of(call)));
    }

    /** The map a template indexes ({@code message['role']}, {@code message.content}, ...). */
    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>(extra);
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
