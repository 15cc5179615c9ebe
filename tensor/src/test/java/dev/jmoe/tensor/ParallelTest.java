package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every index is run exactly once, whatever the thread count, n (also below the thread count) and chunk size. */
class ParallelTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void coversEveryIndexOnce(int threads) {
        try (Parallel p = new Parallel(threads)) {
            for (int n : new int[] {0, 1, 2, 3, 5, 64, 1001}) {
                for (int chunk : new int[] {1, 3, 64, 5000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                    p.run(n, chunk, (from, to) -> {
                        assertThat(to - from).isBetween(1, threads == 1 ? Math.max(n, 1) : chunk);
                        for (int i = from; i < to; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertThat(hits.get(i)).as("n=%d chunk=%d i=%d", n, chunk, i).isEqualTo(1);
                }
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                p.run(n, (from, to) -> { for (int i = from; i < to; i++) hits.incrementAndGet(i); });
                for (int i = 0; i < n; i++) assertThat(hits.get(i)).isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void aFailureInAnyThreadReachesTheCallerAndThePoolStaysUsable(int threads) {
        try (Parallel p = new Parallel(threads)) {
            assertThatThrownBy(() -> p.run(100, 1, (from, to) -> {
                if (from == 57) throw new IllegalStateException("boom at 57");
            })).isInstanceOf(IllegalStateException.class).hasMessageContaining("57");
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            p.run(10, 1, (from, to) -> hits.incrementAndGet(from));
            for (int i = 0; i < 10; i++) assertThat(hits.get(i)).isEqualTo(1);
        }
    }
}
