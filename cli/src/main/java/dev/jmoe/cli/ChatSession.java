package dev.jmoe.cli;

import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.generate.Generation;
import dev.jmoe.model.generate.GenerationConfig;
import dev.jmoe.model.generate.Generator;
import dev.jmoe.model.generate.Sampler;
import dev.jmoe.model.generate.SamplerParams;
import dev.jmoe.model.tokenizer.ChatMessage;
import dev.jmoe.model.tokenizer.ChatTemplate;
import dev.jmoe.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One conversation with a model: the messages so far, rendered through the chat template and generated from.
 *
 * <p>Each turn re-renders the whole conversation, which is always right whatever the template does to earlier turns
 * (R1's drops the think sections of past answers), and the {@link Generator} prefills only what follows the longest
 * prefix the rendering shares with the tokens already in the cache: usually the new user message, plus whatever the
 * template rewrote of the last answer.
 */
final class ChatSession {

    private final Generator generator;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String system;
    private final SamplerParams sampling;
    private int turn;
    private final GenerationConfig config;
    private final List<ChatMessage> messages = new ArrayList<>();
    private Generation last;

    ChatSession(LanguageModel model, Tokenizer tokenizer, ChatTemplate template, String system, SamplerParams sampling,
                int maxTokens, int microBatch) {
        this.generator = new Generator(model, true);
        this.tokenizer = tokenizer;
        this.template = template;
        this.system = system;
        this.sampling = sampling;
        this.config = new GenerationConfig(maxTokens, microBatch, tokenizer.eosIds(), List.of(),
                id -> tokenizer.tokenToPiece(id, false));
        reset();
    }

    /** Seed + turn, so a seeded session is reproducible yet the turns do not replay the same random draws. */
    private Sampler samplerForTurn(int t) {
        SamplerParams p = sampling;
        return new SamplerParams(p.temperature(), p.topK(), p.topP(), p.minP(), p.repeatPenalty(), p.frequencyPenalty(),
                p.presencePenalty(), p.penaltyLastN(), (p.seed() + t) & 0xffffffffL, p.minKeep())
                .build(generator.model().vocabSize());
    }

    /** Forgets the conversation (the system prompt stays). */
    void reset() {
        messages.clear();
        if (system != null && !system.isEmpty()) messages.add(ChatMessage.system(system));
        last = null;
        turn = 0;
    }

    List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /** The last answer's generation (ids, text, timings), or null before the first answer / after a reset. */
    Generation last() {
        return last;
    }

    /** The prompt text for the conversation plus {@code user}, ending where the assistant's answer begins. */
    String promptFor(String user) {
        List<ChatMessage> ms = new ArrayList<>(messages);
        ms.add(ChatMessage.user(user));
        return template.renderPrompt(ms, true, tokenizer);
    }

    /**
     * Answers {@code user}: streams the answer's visible text to {@code out} (think sections dimmed or dropped), then records both turns.
     * On an error (e.g. the conversation outgrew the context) the conversation is left as it was.
     */
    Generation ask(String user, boolean hideThink, Consumer<String> out) {
        String prompt = promptFor(user);
        int[] ids = tokenizer.encode(prompt, true, true);
        int ctx = generator.model().contextLength();
        if (ids.length >= ctx) {
            throw new IllegalArgumentException("the conversation is " + ids.length + " tokens, the context holds " + ctx
                    + ": /reset or raise --ctx");
        }
        ThinkFilter filter = new ThinkFilter(out, hideThink, prompt.stripTrailing().endsWith(ThinkFilter.OPEN));
        Generation g = generator.generate(ids, config, samplerForTurn(turn++),
                (id, piece) -> filter.accept(piece));
        filter.finish();
        messages.add(ChatMessage.user(user));
        messages.add(ChatMessage.assistant(g.text()));
        last = g;
        return g;
    }
}
