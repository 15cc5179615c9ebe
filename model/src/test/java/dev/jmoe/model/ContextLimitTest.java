package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmoe.gguf.SharedModels;
import dev.jmoe.tensor.Parallel;
import org.junit.jupiter.api.Test;

/** The KV cache holds exactly the context it was loaded with; overflow is refused before any compute. */
class ContextLimitTest {
    @Test
    void promptLongerThanTheContextIsRefusedUpFront() {
        try (Parallel pool = new Parallel(1);
             LanguageModel m = ModelLoader.load(SharedModels.require("stories260K.gguf"), LoadOptions.defaults().withContextLength(8).withPool(pool))) {
            assertThat(m.contextLength()).isEqualTo(8);
            assertThat(m.kvCacheBytes()).isEqualTo(5L * 2 * 8 * 4 * 8 * 4); // layers × (K,V) × ctx × n_kv × head_dim × 4 bytes
            int[] nine = BatchConsistencyTest.tokens(9, 512);
            assertThatThrownBy(() -> m.forward(nine, 0, 9, new float[512], null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need a context of 9").hasMessageContaining("loaded with 8");
            assertThat(m.position()).isZero();
            assertThatThrownBy(() -> m.forward(new int[] {512}, 0, 1, null, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id 512");
            m.forward(nine, 0, 8, new float[512], null); // exactly fills it
            assertThat(m.position()).isEqualTo(8);
            assertThatThrownBy(() -> m.forward(nine, 8, 1, new float[512], null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("position 8");
            assertThatThrownBy(() -> m.truncate(9)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
