package dev.jmoe.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.SharedModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ids frozen from llama.cpp (the build bundled with node-llama-cpp 3.21.1, {@code llama_tokenize} with add_special
 * false, parse_special false) for 160 seeded random strings mixing scripts, whitespace kinds, digits, emoji, combining
 * marks and special-token look-alikes ({@code fuzz.inp}), on every shared vocabulary; and for the DeepSeek-V3
 * pre-tokenizer (no vocab file of its own ships with llama.cpp: the deepseek-llm vocabulary with
 * {@code tokenizer.ggml.pre = deepseek-v3}), on both llama.cpp's test strings and the fuzz strings.
 */
class LlamaCppFrozenTest {
    static List<String> texts(String resource) throws IOException {
        List<String> t = new ArrayList<>(Arrays.asList(read(resource).split(java.util.regex.Pattern.quote(VocabVectorsTest.SEP), -1)));
        if (t.getLast().isEmpty()) t.removeLast();
        return t;
    }

    static String read(String resource) throws IOException {
        try (InputStream in = LlamaCppFrozenTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static int[] ids(String line) {
        line = line.trim();
        return line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    static void check(Tokenizer tok, List<String> texts, String outResource, String label) throws IOException {
        check(tok, texts, outResource, label, false);
    }

    static void check(Tokenizer tok, List<String> texts, String outResource, String label, boolean parseSpecial) throws IOException {
        String[] lines = read(outResource).split("\n", -1);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = lines[i].trim();
            int[] want = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            int[] got = tok.encode(texts.get(i), false, parseSpecial);
            if (!Arrays.equals(want, got)) failures.add("#" + i + " '" + texts.get(i) + "': want " + Arrays.toString(want) + " got " + Arrays.toString(got));
        }
        System.out.printf("%s: %d/%d match llama.cpp%n", label, texts.size() - failures.size(), texts.size());
        assertThat(failures).as(label).isEmpty();
    }

    static Tokenizer deepseekV3() {
        GgufMetadata md;
        try (var f = dev.jmoe.gguf.GgufFile.openHeader(SharedModels.require("vocab/ggml-vocab-deepseek-llm.gguf"))) {
            md = f.metadata();
        }
        Map<String, GgufValue> m = new LinkedHashMap<>(md.asMap());
        m.put("tokenizer.ggml.pre", GgufValue.ofString("deepseek-v3"));
        return Tokenizer.fromMetadata(new GgufMetadata(m));
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepseek-llm", "deepseek-coder", "llama-bpe", "llama-spm", "qwen2", "gpt-2", "phi-3"})
    void fuzzStrings(String name) throws IOException {
        Tokenizer tok = TestVocabs.vocab(name);
        check(tok, texts("fuzz.inp"), "fuzz-" + name + ".out", "fuzz " + name);
    }

    /**
     * Same strings with parse_special = true (control tokens such as {@code <|im_start|>} written in the text become
     * one token), and the decoding of those ids as llama_detokenize(remove_special false, unparse_special false/true).
     */
    @ParameterizedTest
    @ValueSource(strings = {"deepseek-llm", "llama-bpe", "llama-spm", "qwen2", "phi-3"})
    void parseSpecialAndDetokenize(String name) throws IOException {
        Tokenizer tok = TestVocabs.vocab(name);
        List<String> texts = texts("fuzz.inp");
        check(tok, texts, "fuzz-special-" + name + ".out", "fuzz parse_special " + name, true);
        String[] idLines = read("fuzz-special-" + name + ".out").split("\n", -1);
        String[] detok = read("fuzz-special-" + name + ".detok.jsonl").split("\n", -1);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = ids(idLines[i]);
            var want = json.readTree(detok[i]);
            String plain = tok.decode(ids, false), special = tok.decode(ids, true);
            if (!plain.equals(want.get(0).asText())) failures.add("#" + i + " plain: want '" + want.get(0).asText() + "' got '" + plain + "'");
            if (!special.equals(want.get(1).asText())) failures.add("#" + i + " special: want '" + want.get(1).asText() + "' got '" + special + "'");
        }
        System.out.printf("detokenize %s: %d/%d match llama.cpp%n", name, 2 * texts.size() - failures.size(), 2 * texts.size());
        assertThat(failures).as(name).isEmpty();
    }

    @Test
    void deepseekV3PreTokenizer() throws IOException {
        Tokenizer tok = deepseekV3();
        assertThat(tok.pre()).isEqualTo("deepseek-v3");
        check(tok, VocabVectorsTest.cases(SharedModels.require("vocab/ggml-vocab-deepseek-llm.gguf")).stream().map(VocabVectorsTest.Case::text).toList(),
                "deepseek-v3.out", "deepseek-v3 test strings");
        check(tok, texts("fuzz.inp"), "fuzz-deepseek-v3.out", "fuzz deepseek-v3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.once", "stories260K.lily"})
    void storiesDetokenizeAsLlamaCpp(String golden) throws IOException {
        var g = new com.fasterxml.jackson.databind.ObjectMapper().readTree(SharedModels.require(golden + ".json").toFile());
        Tokenizer tok = Tokenizer.open(SharedModels.require("stories260K.gguf"));
        List<Integer> ids = new ArrayList<>();
        g.get("prompt_ids").forEach(n -> ids.add(n.asInt()));
        g.get("generated_ids").forEach(n -> ids.add(n.asInt()));
        String want = read(golden + ".txt");
        assertThat(tok.decode(ids.stream().mapToInt(Integer::intValue).toArray())).isEqualTo(want);
        assertThat(want).startsWith(" " + g.get("prompt").asText());
    }
}
