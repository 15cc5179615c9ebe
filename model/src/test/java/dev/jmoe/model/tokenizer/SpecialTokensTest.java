package dev.jmoe.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import org.junit.jupiter.api.Test;

class SpecialTokensTest {
    @Test
    void qwen2ControlTokensParsedOnlyWhenAsked() {
        Tokenizer tok = TestVocabs.vocab("qwen2");
        int imStart = tok.tokenId("<|im_start|>"), imEnd = tok.tokenId("<|im_end|>");
        assertThat(tok.isControl(imStart)).isTrue();
        int[] parsed = tok.encode("<|im_start|>user\nHi<|im_end|>", false, true);
        assertThat(parsed[0]).isEqualTo(imStart);
        assertThat(parsed[parsed.length - 1]).isEqualTo(imEnd);
        int[] plain = tok.encode("<|im_start|>user\nHi<|im_end|>", false, false);
        assertThat(plain).doesNotContain(imStart, imEnd);
        // specials render only when asked
        assertThat(tok.decode(parsed)).isEqualTo("user\nHi");
        assertThat(tok.decode(parsed, true)).isEqualTo("<|im_start|>user\nHi<|im_end|>");
        assertThat(tok.isEog(imEnd)).isTrue();
        assertThat(tok.isEog(tok.tokenId("<|endoftext|>"))).isTrue();
        assertThat(tok.addsBos()).isFalse();
    }

    @Test
    void llama3AddsBosAndKnowsEot() {
        Tokenizer tok = TestVocabs.vocab("llama-bpe");
        assertThat(tok.addsBos()).isTrue();
        int[] ids = tok.encode("Hello", true, true);
        assertThat(ids[0]).isEqualTo(tok.bosId());
        assertThat(tok.tokenText(tok.bosId())).isEqualTo("<|begin_of_text|>");
        assertThat(tok.isEog(tok.tokenId("<|eot_id|>"))).isTrue();
        assertThat(tok.eotId()).isEqualTo(tok.tokenId("<|eot_id|>"));
        // a special token written in the text is one token, and the text after it is tokenized on its own
        int[] chat = tok.encode("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true, true);
        assertThat(chat).startsWith(tok.bosId(), tok.tokenId("<|start_header_id|>"));
        assertThat(chat[chat.length - 1]).isEqualTo(tok.tokenId("<|eot_id|>"));
    }

    @Test
    void spmPrefixesSpaceAfterSpecialTokens() {
        Tokenizer tok = TestVocabs.vocab("llama-spm");
        assertThat(tok.addsBos()).isTrue();
        int[] ids = tok.encode("Hello</s>Hello", true, true);
        int hello = tok.tokenId("▁Hello");
        assertThat(ids).containsExactly(tok.bosId(), hello, tok.eosId(), hello);
        // unparsed, "</s>" is plain text
        assertThat(tok.encode("</s>", false, false)).doesNotContain(tok.eosId());
    }

    @Test
    void phi3StripsWhitespaceAfterSpecialTokens() {
        Tokenizer tok = TestVocabs.vocab("phi-3");
        int end = tok.tokenId("<|end|>");
        // RSTRIP (set by llama.cpp for phi-3 by model name): the newline after <|end|> is dropped
        int[] a = tok.encode("<|user|>\nHi<|end|>\n<|assistant|>", false, true);
        int[] b = tok.encode("<|user|>\nHi<|end|><|assistant|>", false, true);
        assertThat(a).contains(end).containsExactly(b);
    }
}
