package dev.jmoe.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmoe.gguf.SharedModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The goldens' prompts, tokenized as llama-completion does (BOS per metadata, specials parsed), give their prompt_ids. */
class GoldenPromptTest {
    @ParameterizedTest
    @ValueSource(strings = {"stories260K.once.json", "stories260K.lily.json", "dsv3-tiny-F32.once.json", "dsv3-tiny-Q4_0.once.json", "dsv2-tiny-F32.once.json"})
    void promptIdsAndReadableGeneration(String golden) throws IOException {
        Path json = SharedModels.require(golden);
        JsonNode g = new ObjectMapper().readTree(json.toFile());
        Tokenizer tok = Tokenizer.open(json.resolveSibling(g.get("model").asText()));
        int[] expected = ids(g.get("prompt_ids"));
        assertThat(tok.encode(g.get("prompt").asText(), true, true)).containsExactly(expected);

        int[] gen = ids(g.get("generated_ids"));
        String text = tok.decode(gen);
        assertThat(text).isNotEmpty();
        // stories260K is a trained model: its text reads (random-weight models emit stray byte tokens)
        if (golden.startsWith("stories")) assertThat(text).doesNotContain("\uFFFD").contains(" ");
        // streaming gives the same text as decoding at once (no leading-space strip mid-stream: prompt came first)
        StreamingDecoder sd = tok.streamingDecoder(false);
        StringBuilder sb = new StringBuilder();
        for (int id : gen) sb.append(sd.next(id));
        sb.append(sd.flush());
        int[] all = concat(expected, gen);
        String full = tok.decode(all);
        assertThat(full).startsWith(" " + g.get("prompt").asText()).endsWith(sb.toString());
        if (g.get("stopped_at_eog").asBoolean()) assertThat(tok.isEog(gen[gen.length - 1])).isTrue();
    }

    private static int[] ids(JsonNode a) {
        return StreamSupport.stream(a.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
