package dev.jmoe.model;

import dev.jmoe.tensor.Parallel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Temporary: prints per-row diffs. */
class GoldenLogitsProbeTest {
    static java.util.List<String> goldens() {
        return Golden.names();
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void print(String name) {
        Golden g = Golden.read(name);
        g.assumeCodecs();
        int[] ids = g.allIds();
        try (LanguageModel m = ModelLoader.load(g.model(), LoadOptions.defaults().withContextLength(ids.length).withPool(new Parallel(2)))) {
            float[] all = new float[ids.length * g.nVocab()];
            m.forward(ids, 0, ids.length, null, all);
            StringBuilder sb = new StringBuilder(name + ":");
            double mx = 0;
            for (int r = 0; r < ids.length; r++) {
                double d = 0;
                for (int i = 0; i < g.nVocab(); i++) d = Math.max(d, Math.abs(all[r * g.nVocab() + i] - g.logits()[r * g.nVocab() + i]));
                mx = Math.max(mx, d);
                sb.append(String.format(" %.2g", d));
            }
            System.out.println(sb + "  MAX " + mx);
        }
    }
}
