package dev.jmoe.model.tokenizer;

import dev.jmoe.gguf.SharedModels;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Shared vocabularies, loaded once per test JVM (tokenizers are immutable and thread-safe). */
final class TestVocabs {
    private TestVocabs() {}

    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    /** ggml-vocab-NAME.gguf from shared/models/vocab; skips the test when absent. */
    static Tokenizer vocab(String name) {
        String file = "vocab/ggml-vocab-" + name + ".gguf";
        var path = SharedModels.require(file);
        return CACHE.computeIfAbsent(file, k -> Tokenizer.open(path));
    }
}
