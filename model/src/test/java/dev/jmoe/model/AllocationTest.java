package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import dev.jmoe.tensor.Parallel;
import org.junit.jupiter.api.Test;

/** Decode steps allocate (almost) nothing on the calling thread: all buffers were sized at load. */
class AllocationTest {
    @Test
    void decodeStepsDoNotAllocateBuffers() {
        try (Parallel pool = new Parallel(1);
             LanguageModel m = ModelLoader.load(SharedModels.require("dsv3-tiny-F32.gguf"), LoadOptions.defaults().withContextLength(256).withPool(pool))) {
            float[] logits = new float[m.vocabSize()];
            int[] tok = {1};
            long perToken = SteadyAllocation.perStep(() -> m.forward(tok, 0, 1, logits, null), () -> m.truncate(0));
            System.out.println("bytes allocated per decode step: " + perToken);
            assertThat(perToken).isLessThan(256);
        }
    }
}
