package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.tensor.Parallel;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Decode steps allocate (almost) nothing on the calling thread: all buffers were sized at load. */
class AllocationTest {
    @Test
    void decodeStepsDoNotAllocateBuffers() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Parallel pool = new Parallel(1);
             LanguageModel m = ModelLoader.load(SharedModels.require("dsv3-tiny-F32.gguf"), LoadOptions.defaults().withContextLength(256).withPool(pool))) {
            float[] logits = new float[m.vocabSize()];
            int[] tok = {1};
            for (int i = 0; i < 100; i++) m.forward(tok, 0, 1, logits, null); // warm up the JIT
            long before = mx.getThreadAllocatedBytes(Thread.currentThread().threadId());
            for (int i = 0; i < 100; i++) m.forward(tok, 0, 1, logits, null);
            long perToken = (mx.getThreadAllocatedBytes(Thread.currentThread().threadId()) - before) / 100;
            System.out.println("bytes allocated per decode step: " + perToken);
            assertThat(perToken).isLessThan(256);
        }
    }
}
