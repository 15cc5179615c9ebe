package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.model.synth.Shapes;
import dev.jmoe.model.synth.Synthesizer;
import dev.jmoe.tensor.Parallel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad multi-sequence step is refused whole, before any compute (no probe call, every slot's position unchanged);
 * slot arguments, {@link TokenBatch} capacity, slot-sized caches, and decode steps over several slots allocating
 * nothing.
 */
class KvSlotsValidationTest {
    private static final Parallel POOL = new Parallel(1);

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void synth() {
        model = tmp.resolve("llama-tiny.gguf");
        Synthesizer.write(Shapes.spec("llama-tiny", 1), GgmlType.F32, 1, false, model, Synthesizer.Progress.NONE);
    }

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @Test
    void aBadStepIsRefusedBeforeAnyCompute() {
        AtomicInteger probed = new AtomicInteger();
        LoadOptions opt = LoadOptions.defaults().withContextLength(8).withSlots(3).withPool(POOL).withProbe((l, n, d, t, w) -> probed.incrementAndGet());
        try (LanguageModel m = ModelLoader.load(model, opt)) {
            int nv = m.vocabSize();
            TokenBatch b = new TokenBatch(16);
            for (int i = 0; i < 5; i++) b.add(10 + i, 0, i == 4);
            for (int i = 0; i < 3; i++) b.add(20 + i, 2, i == 2);
            float[] logits = new float[2 * nv];
            m.forward(b, logits);
            assertThat(new int[] {m.position(0), m.position(1), m.position(2)}).containsExactly(5, 0, 3);
            assertThat(m.position()).isEqualTo(5);

            // each batch starts with good tokens for slots 0 and 1; the bad one comes last
            record Bad(String why, int token, int slot, int extraForSlot2, String message) {}
            for (Bad bad : new Bad[] {
                    new Bad("slot past the last", 1, 3, 0, "slot 3"),
                    new Bad("negative slot", 1, -1, 0, "slot -1"),
                    new Bad("token id = vocabulary", nv, 1, 0, "token id " + nv),
                    new Bad("negative token id", -2, 1, 0, "token id -2"),
                    new Bad("slot 2 overflows its context (3 + 6 > 8)", 1, 1, 6, "of slot 2 need a context of 9")}) {
                b.clear();
                b.add(30, 0, true);
                b.add(31, 1, true);
                for (int i = 0; i < bad.extraForSlot2(); i++) b.add(40 + i, 2, false);
                b.add(bad.token(), bad.slot(), true);
                int calls = probed.get();
                assertThatThrownBy(() -> m.forward(b, new float[b.logitsCount() * nv])).as(bad.why())
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad.message());
                assertThat(probed.get()).as(bad.why() + ": no compute").isEqualTo(calls);
                assertThat(new int[] {m.position(0), m.position(1), m.position(2)}).as(bad.why() + ": positions").containsExactly(5, 0, 3);
            }
            // logits array missing or too small for the tokens that want logits
            b.clear();
            b.add(30, 0, true);
            b.add(31, 1, true);
            int calls = probed.get();
            assertThatThrownBy(() -> m.forward(b, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logits");
            assertThatThrownBy(() -> m.forward(b, new float[2 * nv - 1])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 x " + nv);
            assertThat(probed.get()).isEqualTo(calls);
            assertThat(new int[] {m.position(0), m.position(1), m.position(2)}).containsExactly(5, 0, 3);
            // no logits wanted: null is fine; an empty batch does nothing
            b.clear();
            b.add(30, 1, false);
            m.forward(b, null);
            b.clear();
            m.forward(b, null);
            assertThat(new int[] {m.position(0), m.position(1), m.position(2)}).containsExactly(5, 1, 3);

            // slot arguments
            assertThatThrownBy(() -> m.position(3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot 3");
            assertThatThrownBy(() -> m.truncate(-1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot -1");
            assertThatThrownBy(() -> m.truncate(2, 4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds 3");
            m.truncate(2, 1);
            m.truncate(1, 0);
            assertThat(new int[] {m.position(0), m.position(1), m.position(2)}).containsExactly(5, 0, 1);
            m.truncate(0);
            assertThat(m.position(0)).isZero();
        }
    }

    @Test
    void optionsBatchAndCacheSize() {
        assertThat(LoadOptions.defaults().slots()).isEqualTo(1);
        assertThatThrownBy(() -> LoadOptions.defaults().withSlots(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slots");
        TokenBatch b = new TokenBatch(2);
        b.add(1, 0, false);
        b.add(2, 1, true);
        assertThat(b.size()).isEqualTo(2);
        assertThat(b.logitsCount()).isEqualTo(1);
        assertThat(b.token(1)).isEqualTo(2);
        assertThat(b.slot(1)).isEqualTo(1);
        assertThat(b.wantsLogits(0)).isFalse();
        assertThatThrownBy(() -> b.add(3, 0, false)).isInstanceOf(IllegalStateException.class).hasMessageContaining("capacity 2");
        assertThatThrownBy(() -> b.token(2)).isInstanceOf(IndexOutOfBoundsException.class);
        b.clear();
        assertThat(b.size()).isZero();
        assertThat(b.logitsCount()).isZero();
        for (LoadOptions.CacheType c : LoadOptions.CacheType.values()) {
            LoadOptions opt = LoadOptions.defaults().withContextLength(16).withPool(POOL).withCacheType(c);
            long one, three;
            try (LanguageModel m = ModelLoader.load(model, opt)) {
                one = m.kvCacheBytes();
                assertThat(m.slots()).isEqualTo(1);
            }
            try (LanguageModel m = ModelLoader.load(model, opt.withSlots(3))) {
                three = m.kvCacheBytes();
                assertThat(m.contextLength()).as("context stays per slot").isEqualTo(16);
            }
            assertThat(three).as(c + " cache").isEqualTo(3 * one);
        }
    }

    @Test
    void decodeStepsOverSeveralSlotsDoNotAllocate() {
        try (LanguageModel m = ModelLoader.load(model, LoadOptions.defaults().withContextLength(512).withSlots(4).withPool(POOL))) {
            TokenBatch b = new TokenBatch(4);
            float[] logits = new float[4 * m.vocabSize()];
            int[] i = {0};
            long perStep = SteadyAllocation.perStep(() -> step(m, b, logits, i[0]++), () -> {
                for (int s = 0; s < 4; s++) m.truncate(s, 0);
            });
            System.out.println("bytes allocated per 4-slot decode step: " + perStep);
            assertThat(perStep).isLessThan(256);
        }
    }

    private static void step(LanguageModel m, TokenBatch b, float[] logits, int i) {
        b.clear();
        for (int s = 0; s < 4; s++) b.add(3 + (i * 7 + s) % 200, s, true);
        m.forward(b, logits);
    }
}
