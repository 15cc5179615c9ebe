package dev.jmoe.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's tokenizer test vectors (models/ggml-vocab-*.gguf.inp/.out, as its test-tokenizer-0 runs them): every
 * string encoded without BOS/EOS and without parsing special tokens must give exactly the listed ids.
 */
class VocabVectorsTest {
    static final String SEP = "\n__ggml_vocab_test__\n";

    record Case(String text, int[] ids) {}

    static List<Case> cases(Path gguf) throws IOException {
        String inp = Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8);
        List<String> outs = Files.readAllLines(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
        String[] texts = inp.split(java.util.regex.Pattern.quote(SEP), -1);
        // the file ends with a separator, leaving an empty tail after the last string
        List<String> t = new ArrayList<>(Arrays.asList(texts));
        if (t.getLast().isEmpty()) t.removeLast();
        assertThat(outs).as("lines of %s.out", gguf).hasSizeGreaterThanOrEqualTo(t.size());
        List<Case> cs = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            String line = outs.get(i).trim();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            cs.add(new Case(t.get(i), ids));
        }
        return cs;
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepseek-llm", "deepseek-coder", "llama-bpe", "llama-spm", "qwen2", "gpt-2", "phi-3"})
    void everyVectorMatches(String name) throws IOException {
        Path gguf = SharedModels.require("vocab/ggml-vocab-" + name + ".gguf");
        Tokenizer tok = TestVocabs.vocab(name);
        List<Case> cs = cases(gguf);
        List<String> failures = new ArrayList<>();
        for (Case c : cs) {
            int[] got = tok.encode(c.text(), false, false);
            if (!Arrays.equals(got, c.ids())) {
                failures.add("'" + c.text().replace("\n", "\\n") + "': expected " + Arrays.toString(c.ids()) + " got " + Arrays.toString(got));
            }
        }
        System.out.printf("vocab %s: %d/%d vectors pass%n", name, cs.size() - failures.size(), cs.size());
        assertThat(cs).hasSizeGreaterThan(30);
        assertThat(failures).as(name).isEmpty();
    }
}
