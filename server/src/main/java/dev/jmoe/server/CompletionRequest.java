package dev.jmoe.server;

import dev.jmoe.model.generate.SamplerParams;
import java.util.List;

/**
 * A validated /v1/completions or /v1/chat/completions request, prompt already tokenized.
 *
 * @param maxTokens    tokens to generate at most (the rest of the context when the client gave none)
 * @param includeUsage {@code stream_options.include_usage}: a last chunk with usage before [DONE]
 */
public record CompletionRequest(boolean chat, int[] promptIds, SamplerParams sampler, int maxTokens, List<String> stop,
                                boolean stream, boolean includeUsage) {}
