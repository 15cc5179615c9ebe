package dev.jmoe.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in templates render llama.cpp's test conversation (tests/test-chat-template.cpp, {@code conversation})
 * exactly as llama.cpp's Jinja path expects ({@code expected_output_jinja}, else {@code expected_output}) for the same
 * template text.
 */
class ChatTemplateTest {
    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful assistant"),
            ChatMessage.user("Hello"),
            ChatMessage.assistant("Hi there"),
            ChatMessage.user("Who are you"),
            ChatMessage.assistant("   I am an assistant   "),
            ChatMessage.user("Another question"));

    @Test
    void chatml() {
        // test-chat-template.cpp "teknium/OpenHermes-2.5-Mistral-7B"
        assertThat(ChatTemplate.builtin("chatml", "", "").render(CONVERSATION, true)).isEqualTo(
                "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void llama3() {
        // test-chat-template.cpp "Llama-3" (bos_token "")
        String want = "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        assertThat(ChatTemplate.builtin("llama3", "", "").render(CONVERSATION, true)).isEqualTo(want);
        // with Llama-3's BOS text, which the template puts before the first turn
        assertThat(ChatTemplate.builtin("llama3", "<|begin_of_text|>", "<|end_of_text|>").render(CONVERSATION, true)).isEqualTo("<|begin_of_text|>" + want);
        assertThat(ChatTemplate.builtin("llama3", "", "").render(CONVERSATION, false)).isEqualTo(want.substring(0, want.length() - "<|start_header_id|>assistant<|end_header_id|>\n\n".length()));
    }

    @Test
    void mistral() {
        // test-chat-template.cpp "mistralai/Mistral-7B-Instruct-v0.2 (mistralai 'v1' template with a system prompt)"
        assertThat(ChatTemplate.builtin("mistral", "", "</s>").render(CONVERSATION, true)).isEqualTo(
                " [INST] You are a helpful assistant\n\nHello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]");
        // roles must alternate: the template's raise_exception becomes a clear error
        assertThatThrownBy(() -> ChatTemplate.builtin("mistral", "", "</s>").render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("raised").hasMessageContaining("must alternate");
    }

    static final String DS_WANT = "<｜begin▁of▁sentence｜>You are a helpful assistant<｜User｜>Hello<｜Assistant｜>Hi there<｜end▁of▁sentence｜><｜User｜>Who are you<｜Assistant｜>   I am an assistant   <｜end▁of▁sentence｜><｜User｜>Another question<｜Assistant｜>";

    @Test
    void deepseek3() {
        // DeepSeek-V3's HF template; llama.cpp's non-Jinja "deepseek3" writes "\n\n" after the system prompt
        // (src/llama-chat.cpp), its Jinja path renders this template as here
        ChatTemplate t = ChatTemplate.builtin("deepseek3", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(DS_WANT);
        assertThat(t.render(CONVERSATION, false)).isEqualTo(DS_WANT.substring(0, DS_WANT.length() - "<｜Assistant｜>".length()));
    }

    @Test
    void deepseekR1StripsThinkingOfEarlierTurns() {
        ChatTemplate t = ChatTemplate.builtin("deepseek-r1", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        // same turns as V3, and the generation prompt opens a <think> block
        assertThat(t.render(CONVERSATION, true)).isEqualTo(DS_WANT + "<think>\n");
        List<ChatMessage> withThinking = List.of(
                ChatMessage.user("2+2?"),
                ChatMessage.assistant("<think>\nsimple arithmetic\n</think>\n\n4"),
                ChatMessage.user("and 3+3?"));
        assertThat(t.render(withThinking, true)).isEqualTo(
                "<｜begin▁of▁sentence｜><｜User｜>2+2?<｜Assistant｜>\n\n4<｜end▁of▁sentence｜><｜User｜>and 3+3?<｜Assistant｜><think>\n");
        // Python's split keeps a trailing empty part: a turn that ends with </think> keeps nothing
        assertThat(t.render(List.of(ChatMessage.user("q"), ChatMessage.assistant("<think>x</think>")), false))
                .isEqualTo("<｜begin▁of▁sentence｜><｜User｜>q<｜Assistant｜><｜end▁of▁sentence｜>");
    }

    @Test
    void deepseekToolTurns() {
        ChatTemplate t = ChatTemplate.builtin("deepseek-r1", "<s>", "</s>");
        String out = t.render(List.of(
                ChatMessage.user("weather?"),
                ChatMessage.toolCall("call_1", "get_weather", "{\"city\": \"Paris\"}"),
                ChatMessage.tool("{\"temp\": 20}", "call_1")), true);
        assertThat(out).isEqualTo("<s><｜User｜>weather?<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜><｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>{\"temp\": 20}<｜tool▁output▁end｜><｜tool▁outputs▁end｜>");
    }

    @Test
    void pythonStringMethodsAndHelpers() {
        ChatTemplate t = ChatTemplate.of("{{ messages[0]['content'].strip() }}|{{ messages[0]['content'].lstrip() }}|"
                + "{{ messages[0]['content'].startswith('  a') }}|{{ 'a.b.c'.split('.')[1] }}|{{ 'x,y,'.split(',')|length }}|"
                + "{{ messages[0].role.upper() }}|{{ strftime_now('%Y')|length }}\n", "", "");
        assertThat(t.render(List.of(ChatMessage.user("  a b  ")), false)).isEqualTo("a b|a b  |true|b|3|USER|4");
    }

    @Test
    void unknownConstructsAreClearErrors() {
        assertThatThrownBy(() -> ChatTemplate.of("{{ messages[0].content.casefold() }}", "", "").render(List.of(ChatMessage.user("x")), true))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("casefold").hasMessageContaining("deepseek3");
        assertThatThrownBy(() -> ChatTemplate.resolve("no-such-template", null))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("chatml, deepseek-r1, deepseek3, llama3, mistral");
    }

    @Test
    void mistralV3TemplateWithNamespaceSelectattrAndTojson() throws Exception {
        // test-chat-template.cpp "Mistral-Large-Instruct-2407 (mistralai 'v3' template; modified to have system prompt
        // at start)", expected_output_jinja (the system prompt goes to the last user turn)
        String src = LlamaCppFrozenTest.read("mistral-v3.jinja");
        ChatTemplate t = ChatTemplate.of(src, "", "</s>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(
                "[INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] You are a helpful assistant\n\nAnother question[/INST]");
        // its tool block: tools listed before the last user turn, tojson of the parameters
        java.util.Map<String, Object> tool = java.util.Map.of("type", "function", "function", new java.util.LinkedHashMap<>(java.util.Map.of(
                "name", "get_weather")));
        String out = t.render(List.of(ChatMessage.user("weather?")), true, java.util.Map.of("tools", List.of(tool)));
        assertThat(out).isEqualTo("[AVAILABLE_TOOLS] [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}][/AVAILABLE_TOOLS][INST] weather?[/INST]");
    }

    @Test
    void promptForTokenizerHasOneBos() {
        Tokenizer tok = TestVocabs.vocab("llama-bpe");
        ChatTemplate t = ChatTemplate.resolve("llama3", tok);
        String prompt = t.renderPrompt(CONVERSATION, true, tok);
        assertThat(prompt).startsWith("<|start_header_id|>system");
        int[] ids = tok.encode(prompt, true, true);
        assertThat(ids[0]).isEqualTo(tok.bosId());
        assertThat(ids[1]).isEqualTo(tok.tokenId("<|start_header_id|>")).isNotEqualTo(tok.bosId());
        assertThat(ids[ids.length - 1]).isEqualTo(tok.encode("\n\n", false, false)[0]);
        assertThat(tok.decode(ids, true)).isEqualTo("<|begin_of_text|>" + prompt);
    }
}
