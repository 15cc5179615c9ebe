package dev.jmoe.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * decode(encode(s)) == s over llama.cpp's test strings, with llama.cpp's own exceptions: vocabularies with
 * clean_up_tokenization_spaces (gpt-2, llama-bpe) decode to the cleaned text (" ," → ","; " 's" → "'s" ...), and
 * SentencePiece cannot give back a space that its space prefix swallowed (see {@link #expected}).
 */
class RoundTripTest {
    @ParameterizedTest
    @ValueSource(strings = {"deepseek-llm", "deepseek-coder", "llama-bpe", "llama-spm", "qwen2", "gpt-2", "phi-3"})
    void decodeInvertsEncode(String name) throws IOException {
        Path gguf = SharedModels.require("vocab/ggml-vocab-" + name + ".gguf");
        Tokenizer tok = TestVocabs.vocab(name);
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (VocabVectorsTest.Case c : VocabVectorsTest.cases(gguf)) {
            n++;
            String got = tok.decode(tok.encode(c.text(), false, false));
            String want = expected(tok, name, c.text());
            if (!got.equals(want)) failures.add("'" + c.text() + "' → '" + got + "'");
        }
        System.out.printf("round trip %s: %d/%d strings%n", name, n - failures.size(), n);
        assertThat(failures).as(name).isEmpty();
    }

    static String expected(Tokenizer tok, String name, String s) {
        if (name.equals("gpt-2") || name.equals("llama-bpe")) {
            return new String(Tokenizer.cleanSpaces(s.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        }
        return s;
    }
}
