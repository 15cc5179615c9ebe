package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.tensor.DotOrder;
import dev.jmoe.tensor.Parallel;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Greedy decoding one token per {@link LanguageModel#forward} reproduces llama.cpp's generated ids, up to the first
 * step whose margin (top-1 minus top-2 in llama.cpp) is below 0.05 — past a near-tie any arithmetic difference may
 * flip the choice. For stories260K (min margin 0.07) that is the whole 64- and 48-token stories; for dsv2-tiny-Q8_0 and
 * dsv3-tiny-Q8_0 all 32 steps, dsv3-tiny-Q2_K 25, dsv3-tiny-Q4_0 all 10.
 */
class GreedyGenerationTest {
    private static final Parallel POOL = new Parallel(1); // results do not depend on the thread count (BatchConsistencyTest)

    static List<String> goldens() {
        return Golden.names();
    }

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void greedyIdsMatchLlamaCpp(String name) {
        Golden g = Golden.read(name);
        // quantized files too: in GGML order the Q8_0 / Q4_0 dots round as ggml's x86 kernels do (Int8FloatKernels), so greedy ids
        // agree up to the first near-tie. Not Q4_K_M: the Q4_K dot (KVector) rounds differently from ggml's and its
        // routing flips before llama.cpp's first near-tie (step 13) — open.
        Assumptions.assumeFalse(name.contains("Q4_K_M"), "the Q4_K dot does not round as ggml's yet");
        g.assumeCodecs();
        int steps = 0;
        while (steps < g.generatedIds().length && g.margins()[steps] >= 0.05f) steps++;
        int[] prompt = g.promptIds();
        float[] logits = new float[g.nVocab()];
        int[] mine = new int[steps];
        try (LanguageModel m = ModelLoader.load(g.model(), LoadOptions.defaults().withContextLength(prompt.length + steps + 1).withPool(POOL).withDotOrder(DotOrder.GGML))) {
            m.forward(prompt, 0, prompt.length, logits, null);
            int[] one = new int[1];
            for (int k = 0; k < steps; k++) {
                mine[k] = GoldenLogitsTest.argmax(logits, 0, logits.length);
                one[0] = mine[k];
                if (k + 1 < steps) m.forward(one, 0, 1, logits, null);
            }
        }
        int[] expected = java.util.Arrays.copyOf(g.generatedIds(), steps);
        System.out.printf("greedy %-28s %d of %d steps compared%n", name, steps, g.generatedIds().length);
        assertThat(mine).as(name + " greedy ids").containsExactly(expected);
        if (name.startsWith("stories260K")) assertThat(steps).isEqualTo(g.generatedIds().length);
    }
}
