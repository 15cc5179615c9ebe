package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's golden sequence (teacher forced) run in two KV slots at once — slot 1 in prefill chunks of 5 from step 0,
 * slot 2 one token per step from step 3 — beside an unrelated sequence in slot 0, all in the same batches: both slots
 * must match the golden logits within GoldenLogitsTest's F32 bound (1e-4).
 */
class KvSlotsGoldenTest {
    private static final Parallel POOL = new Parallel(1);

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dsv3-tiny-F32.once.json", "dsv2-tiny-F32.once.json", "stories260K.once.json"})
    void slotsBesideOtherSequencesMatchTheGolden(String name) {
        Golden g = Golden.read(name);
        int[] ids = g.allIds();
        int nv = g.nVocab(), len = ids.length;
        float[] slot1 = new float[len * nv], slot2 = new float[len * nv];
        try (LanguageModel m = ModelLoader.load(g.model(), LoadOptions.defaults().withContextLength(len).withSlots(3).withMaxBatch(6).withPool(POOL))) {
            TokenBatch b = new TokenBatch(16);
            float[] logits = new float[16 * nv];
            int fed0 = 0, fed1 = 0, fed2 = 0;
            for (int step = 0; fed2 < len; step++) {
                b.clear();
                int n1 = Math.min(5, len - fed1);
                if (fed0 < len) b.add(ids[(fed0 * 5 + 3) % len], 0, true); // noise in slot 0, logits wanted too
                for (int j = 0; j < n1; j++) b.add(ids[fed1 + j], 1, true);
                boolean two = step >= 3;
                if (two) b.add(ids[fed2], 2, true);
                m.forward(b, logits);
                int k = fed0 < len ? 1 : 0;
                System.arraycopy(logits, k * nv, slot1, fed1 * nv, n1 * nv);
                if (two) System.arraycopy(logits, (k + n1) * nv, slot2, fed2 * nv, nv);
                fed0 = Math.min(len, fed0 + 1);
                fed1 += n1;
                if (two) fed2++;
            }
            assertThat(m.position(1)).isEqualTo(len);
            assertThat(m.position(2)).isEqualTo(len);
        }
        double max1 = 0, max2 = 0;
        for (int i = 0; i < len * nv; i++) {
            max1 = Math.max(max1, Math.abs(slot1[i] - g.logits()[i]));
            max2 = Math.max(max2, Math.abs(slot2[i] - g.logits()[i]));
        }
        System.out.printf("slots golden %-26s max |jmoe - llama.cpp| slot 1 %.3g, slot 2 %.3g%n", name, max1, max2);
        assertThat(max1).as(name + " slot 1 (prefill chunks)").isLessThanOrEqualTo(1e-4);
        assertThat(max2).as(name + " slot 2 (one token per step)").isLessThanOrEqualTo(1e-4);
    }
}
