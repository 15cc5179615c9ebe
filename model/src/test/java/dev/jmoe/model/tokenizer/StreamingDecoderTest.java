package dev.jmoe.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    @Test
    void emitsOnlyWholeCharactersFromByteTokens() {
        Tokenizer tok = TestVocabs.vocab("llama-spm");
        // "€" = E2 82 AC as three byte tokens <0xE2> <0x82> <0xAC>
        int e2 = tok.tokenId("<0xE2>"), x82 = tok.tokenId("<0x82>"), xac = tok.tokenId("<0xAC>");
        assertThat(tok.tokenType(e2)).isEqualTo(TokenType.BYTE);
        StreamingDecoder d = tok.streamingDecoder(false);
        assertThat(d.next(e2)).isEmpty();
        assertThat(d.next(x82)).isEmpty();
        assertThat(d.next(xac)).isEqualTo("€");
        // a broken sequence comes out as U+FFFD, and the byte that broke it is kept
        assertThat(d.next(e2)).isEmpty();
        assertThat(d.next(tok.tokenId("<0x41>"))).isEqualTo("\uFFFDA");
        assertThat(d.next(e2)).isEmpty();
        assertThat(d.flush()).isEqualTo("\uFFFD");
        // the byte tokens decode to the same bytes in one go
        assertThat(tok.decodeBytes(new int[]{e2, x82, xac}, false)).isEqualTo("€".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void streamEqualsWholeDecodeForByteLevelBpe() {
        Tokenizer tok = TestVocabs.vocab("qwen2");
        String s = "Привет, 世界! 🦙 naïve café — ∑x² 🧑‍🤝‍🧑";
        int[] ids = tok.encode(s, false, false);
        StreamingDecoder d = tok.streamingDecoder(false);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String part = d.next(id);
            assertThat(part).doesNotContain("\uFFFD");
            sb.append(part);
        }
        sb.append(d.flush());
        assertThat(sb.toString()).isEqualTo(s).isEqualTo(tok.decode(ids));
    }
}
