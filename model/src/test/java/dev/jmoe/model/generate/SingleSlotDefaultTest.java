package dev.jmoe.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.TokenBatch;
import org.junit.jupiter.api.Test;

/** The interface's default multi-sequence methods serve a single-slot implementation (a test double) through slot 0. */
class SingleSlotDefaultTest {
    @Test
    void batchOnSlotZeroRunsThroughTheSingleSequenceForward() {
        int vocab = 11;
        LanguageModel m = new FakeModel(vocab, 16);
        assertThat(m.slots()).isEqualTo(1);
        TokenBatch b = new TokenBatch(8);
        int[] toks = {2, 5, 7, 1, 4};
        for (int i = 0; i < toks.length; i++) b.add(toks[i], 0, i == 1 || i == 4);
        float[] logits = new float[2 * vocab];
        m.forward(b, logits);
        assertThat(m.position(0)).isEqualTo(5);
        assertThat(logits[FakeModel.next(5, 1, vocab)]).isEqualTo(10f);          // after token 1 (position 1)
        assertThat(logits[vocab + FakeModel.next(4, 4, vocab)]).isEqualTo(10f);  // after token 4 (position 4)

        b.clear();
        b.add(3, 1, true);
        assertThatThrownBy(() -> m.forward(b, new float[vocab])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot 1");
        assertThatThrownBy(() -> m.position(1)).isInstanceOf(IllegalArgumentException.class);
        m.truncate(0, 2);
        assertThat(m.position()).isEqualTo(2);
    }
}
