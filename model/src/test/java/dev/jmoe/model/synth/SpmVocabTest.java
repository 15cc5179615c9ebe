package dev.jmoe.model.synth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgufValue;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpmVocabTest {

    @Test
    void specialByteAndPieceTokens() {
        List<String> t = SpmVocab.tokens(512);
        assertThat(t).hasSize(512).doesNotHaveDuplicates();
        assertThat(t.subList(0, 3)).containsExactly("<unk>", "<s>", "</s>");
        assertThat(t.get(3)).isEqualTo("<0x00>");
        assertThat(t.get(3 + 0x0A)).isEqualTo("<0x0A>");
        assertThat(t.get(258)).isEqualTo("<0xFF>");
        assertThat(t).contains("\u2581the", "\u2581Once", "\u2581upon", "\u2581time", "e", "T");
        assertThat(t.stream().filter(s -> s.startsWith("<unused_"))).isEmpty(); // 512 is filled with real pieces
        // every multi-character piece is reachable by SentencePiece merges: its prefix one shorter is a token too
        var set = new HashSet<>(t);
        for (String s : t.subList(259, t.size())) {
            if (s.length() > 1) assertThat(set).as(s).contains(s.substring(0, s.length() - 1));
        }
    }

    @Test
    void metadataTypesAndPadding() {
        Map<String, GgufValue> m = SpmVocab.metadata(1000);
        int[] types = ((long[]) ((GgufValue.Array) m.get("tokenizer.ggml.token_type").value()).data()).length == 1000
                ? java.util.Arrays.stream((long[]) ((GgufValue.Array) m.get("tokenizer.ggml.token_type").value()).data()).mapToInt(x -> (int) x).toArray()
                : null;
        assertThat(types).isNotNull();
        assertThat(types[0]).isEqualTo(2);
        assertThat(types[1]).isEqualTo(3);
        assertThat(types[3]).isEqualTo(6);
        assertThat(types[300]).isEqualTo(1);
        assertThat(types[999]).isEqualTo(5); // padding: unused
        assertThat(m.get("tokenizer.ggml.model").value()).isEqualTo("llama");
        String[] tokens = (String[]) ((GgufValue.Array) m.get("tokenizer.ggml.tokens").value()).data();
        assertThat(tokens[999]).isEqualTo("<unused_999>");
    }
}
