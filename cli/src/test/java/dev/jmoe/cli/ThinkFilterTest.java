package dev.jmoe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ThinkFilterTest {

    private static String run(boolean hide, boolean startInThink, List<String> pieces) {
        StringBuilder sb = new StringBuilder();
        ThinkFilter f = new ThinkFilter(sb::append, hide, startInThink);
        pieces.forEach(f::accept);
        f.finish();
        return sb.toString();
    }

    // a fake token stream: both tags split across tokens, and a '<' that is not a tag
    private static final List<String> STREAM = List.of("<", "th", "ink>", "I should add 1<2", ".</", "thi", "nk", ">",
            "\n\n", "The answer", " is 3.");

    @Test
    void hidesThinkSplitAcrossTokens() {
        assertThat(run(true, false, STREAM)).isEqualTo("The answer is 3.");
    }

    @Test
    void dimsThinkSplitAcrossTokens() {
        assertThat(run(false, false, STREAM)).isEqualTo(ThinkFilter.DIM + "<think>I should add 1<2.</think>" + ThinkFilter.RESET
                + "\n\nThe answer is 3.");
    }

    @Test
    void promptThatOpenedThinkStartsInside() {
        List<String> s = List.of("hmm", "</think", ">", "ok");
        assertThat(run(true, true, s)).isEqualTo("ok");
        assertThat(run(false, true, s)).isEqualTo(ThinkFilter.DIM + "<think>hmm</think>" + ThinkFilter.RESET + "ok");
    }

    @Test
    void textWithoutTagsPassesThroughAndHeldTailIsReleased() {
        assertThat(run(true, false, List.of("a <b", "> c <thi"))).isEqualTo("a <b> c <thi");
    }

    @Test
    void unterminatedThinkIsClosedAtTheEnd() {
        assertThat(run(false, false, List.of("<think>still going"))).isEqualTo(ThinkFilter.DIM + "<think>still going" + ThinkFilter.RESET);
        assertThat(run(true, false, List.of("<think>still going"))).isEmpty();
    }

    @Test
    void partialTagSuffix() {
        assertThat(ThinkFilter.partialTagSuffix("abc</th", "</think>")).isEqualTo(4);
        assertThat(ThinkFilter.partialTagSuffix("abc", "</think>")).isZero();
        assertThat(ThinkFilter.partialTagSuffix("<think", "<think>")).isEqualTo(6);
    }
}
