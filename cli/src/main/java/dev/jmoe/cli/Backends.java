package dev.jmoe.cli;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.LoadOptions;
import dev.jmoe.model.ModelLoader;
import dev.jmoe.model.tokenizer.ChatTemplate;
import dev.jmoe.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The wiring point between the commands and the model library: the model loader ({@link #load}) and the tokenizer
 * ({@link #textCodec}) are plugged in here and nowhere else.
 */
final class Backends {

    private Backends() {}

    static final Backend DEFAULT = new Backend() {
        @Override
        public LanguageModel load(LoadRequest r) {
            return Backends.load(r);
        }

        @Override
        public Optional<TextCodec> textCodec(Path file) {
            return Backends.textCodec(file);
        }

        @Override
        public int[] endOfGeneration(Path file) {
            return Backends.endOfGenerationFromMetadata(file);
        }
    };

    /** Loads a model with the forward pass its {@code general.architecture} names. */
    static LanguageModel load(LoadRequest r) {
        LoadOptions o = LoadOptions.defaults().withContextLength(r.contextLength()).withThreads(r.threads())
                .withMaxBatch(r.maxBatch()).withCacheType(r.cacheType())
                .withCheckFinite(r.checkFinite()).withProbe(r.probe()).withDotOrder(r.dotOrder()).withRepack(r.repack())
                .withSlots(r.slots());
        if (r.expertsUsed() != null) o = o.withExpertsUsed(r.expertsUsed());
        return ModelLoader.load(r.file(), o);
    }

    /**
     * The file's tokenizer: prompts encode as llama-completion does (BOS per the vocabulary, special tokens parsed),
     * tokens decode to their bytes (control tokens print nothing). Empty when the file has no tokenizer.
     */
    static Optional<TextCodec> textCodec(Path file) {
        try (GgufFile f = GgufFile.openHeader(file)) {
            if (!f.metadata().has("tokenizer.ggml.model")) return Optional.empty();
            Tokenizer tok = Tokenizer.fromMetadata(f.metadata());
            return Optional.of(new TextCodec(text -> tok.encode(text, true, true), id -> tok.tokenToPiece(id, false), tok.eosIds()));
        }
    }

    /** {@code tokenizer.ggml.eos_token_id} and {@code tokenizer.ggml.eot_token_id}, where present. */
    static int[] endOfGenerationFromMetadata(Path file) {
        try (GgufFile f = GgufFile.openHeader(file)) {
            GgufMetadata m = f.metadata();
            return Arrays.stream(new String[]{"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"})
                    .filter(m::has).mapToInt(m::getInt).distinct().toArray();
        }
    }

    /** The file's tokenizer with its chat template: {@code nameOrFile} (built-in name or Jinja file), else the model's own. */
    static ChatText chatText(Path file, String nameOrFile) {
        try (GgufFile f = GgufFile.openHeader(file)) {
            if (!f.metadata().has("tokenizer.ggml.model")) {
                throw new IllegalArgumentException("chat needs a tokenizer, and " + file + " has none (tokenizer.ggml.model)");
            }
            Tokenizer tok = Tokenizer.fromMetadata(f.metadata());
            ChatTemplate t = nameOrFile != null ? ChatTemplate.resolve(nameOrFile, tok) : ChatTemplate.forModel(f.metadata(), tok);
            return new ChatText(tok, t);
        }
    }

    record ChatText(Tokenizer tokenizer, ChatTemplate template) {}
}
