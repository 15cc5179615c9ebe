package dev.jmoe.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Each stage against expectations computed by hand from llama.cpp's definitions (src/llama-sampling.cpp). */
class SamplerStagesTest {

    static Candidates of(float... logits) {
        Candidates c = new Candidates(logits.length);
        c.load(logits);
        return c;
    }

    static float[] ln(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.log(probs[i]);
        return l;
    }

    static int[] ids(Candidates c) {
        int[] r = new int[c.size()];
        for (int i = 0; i < r.length; i++) r[i] = c.id(i);
        return r;
    }

    @Test
    void greedyTakesTheHighestLogitAndTheLowestIdOnATie() {
        assertThat(new Greedy().pick(of(1f, 3f, 3f, 2f))).isEqualTo(1);
        Candidates c = of(5f, 1f, 5f);
        new TopK(3).apply(c);           // sorted: ids 0, 2, 1
        assertThat(new Greedy().pick(c)).isZero();
        assertThat(new Greedy().pick(of(-1f, Float.NEGATIVE_INFINITY, -0.5f))).isEqualTo(2);
    }

    @Test
    void topKKeepsTheKBestSortedWithTiesByLowerId() {
        Candidates c = of(0.1f, 0.5f, 0.3f, 0.5f, -1f);
        new TopK(2).apply(c);
        assertThat(ids(c)).containsExactly(1, 3);
        assertThat(c.sorted()).isTrue();
        assertThat(c.logit(0)).isEqualTo(0.5f);

        Candidates all = of(0.1f, 0.5f, 0.3f);
        new TopK(10).apply(all);
        assertThat(ids(all)).containsExactly(1, 2, 0);

        Candidates off = of(0.1f, 0.5f, 0.3f);
        new TopK(0).apply(off);
        assertThat(ids(off)).containsExactly(0, 1, 2);
        assertThat(off.sorted()).isFalse();
    }

    @Test
    void topPKeepsTheShortestPrefixReachingP() {
        // probabilities 0.1, 0.4, 0.3, 0.2 → sorted ids 1 (0.4), 2 (0.3), 3 (0.2), 0 (0.1); cumulative 0.4, 0.7, 0.9, 1
        float[] l = ln(0.1, 0.4, 0.3, 0.2);
        assertThat(topP(l, 0.35f, 0)).containsExactly(1);
        assertThat(topP(l, 0.65f, 0)).containsExactly(1, 2);
        assertThat(topP(l, 0.75f, 0)).containsExactly(1, 2, 3);
        assertThat(topP(l, 0.95f, 0)).containsExactly(1, 2, 3, 0);
        assertThat(topP(l, 0.35f, 3)).containsExactly(1, 2, 3);       // min_keep
        assertThat(topP(l, 1f, 0)).containsExactly(0, 1, 2, 3);       // disabled: untouched, unsorted

        Candidates c = of(l);
        new TopP(0.75f, 0).apply(c);
        assertThat(c.prob(0)).isCloseTo(0.4f, within(1e-6f));
        assertThat(c.prob(2)).isCloseTo(0.2f, within(1e-6f));
    }

    static int[] topP(float[] logits, float p, int minKeep) {
        Candidates c = of(logits.clone());
        new TopP(p, minKeep).apply(c);
        return ids(c);
    }

    @Test
    void minPKeepsTokensWithAtLeastMinPTimesTheBestProbability() {
        // probabilities 0.3, 0.1, 0.4, 0.05, 0.15; min_p 0.5 → threshold 0.2: ids 0 and 2, in their order
        float[] l = ln(0.3, 0.1, 0.4, 0.05, 0.15);
        Candidates c = of(l.clone());
        new MinP(0.5f, 0).apply(c);
        assertThat(ids(c)).containsExactly(0, 2);

        Candidates sorted = of(l.clone());
        new TopK(5).apply(sorted);
        new MinP(0.5f, 0).apply(sorted);
        assertThat(ids(sorted)).containsExactly(2, 0);

        Candidates keep = of(l.clone());                // min_keep 3 beats the threshold: the best 3
        new MinP(0.5f, 3).apply(keep);
        assertThat(ids(keep)).containsExactly(2, 0, 4);

        Candidates off = of(l.clone());
        new MinP(0f, 0).apply(off);
        assertThat(off.size()).isEqualTo(5);
    }

    @Test
    void penaltiesFollowLlamaCpp() {
        // window of 3 after accepting 1, 2, 1, 1 holds [2, 1, 1]: counts id1 = 2, id2 = 1
        Penalties p = new Penalties(5, 3, 2f, 0.5f, 0.25f);
        for (int t : new int[]{1, 2, 1, 1}) p.accept(t);
        assertThat(p.count(1)).isEqualTo(2);
        assertThat(p.count(2)).isEqualTo(1);
        Candidates c = of(1f, 2f, -1f, 0.5f, 3f);
        p.apply(c);
        // id1: 2 / 2 = 1, minus 2·0.5 + 0.25 → −0.25;  id2: −1 · 2 = −2, minus 1·0.5 + 0.25 → −2.75
        assertThat(c.logit(0)).isEqualTo(1f);
        assertThat(c.logit(1)).isEqualTo(-0.25f);
        assertThat(c.logit(2)).isEqualTo(-2.75f);
        assertThat(c.logit(3)).isEqualTo(0.5f);
        assertThat(c.logit(4)).isEqualTo(3f);

        for (int t : new int[]{4, 4, 4}) p.accept(t);   // the window slides past the 1s and the 2
        assertThat(p.count(1)).isZero();
        assertThat(p.count(2)).isZero();
        assertThat(p.count(4)).isEqualTo(3);

        p.reset();
        assertThat(p.count(4)).isZero();
    }

    @Test
    void penaltiesAreOffWithNeutralSettingsOrAnEmptyWindow() {
        Penalties neutral = new Penalties(3, 64, 1f, 0f, 0f);
        neutral.accept(0);
        Candidates c = of(2f, 1f, 0f);
        neutral.apply(c);
        assertThat(c.logit(0)).isEqualTo(2f);

        Penalties noWindow = new Penalties(3, 0, 2f, 1f, 1f);
        noWindow.accept(0);
        Candidates d = of(2f, 1f, 0f);
        noWindow.apply(d);
        assertThat(d.logit(0)).isEqualTo(2f);
        assertThat(noWindow.count(0)).isZero();
    }

    @Test
    void temperatureDividesAndZeroKeepsOnlyTheFirstMaximum() {
        Candidates c = of(1f, -2f, 4f);
        new Temperature(2f).apply(c);
        assertThat(new float[]{c.logit(0), c.logit(1), c.logit(2)}).containsExactly(0.5f, -1f, 2f);

        Candidates z = of(1f, 4f, 4f, 2f);
        new Temperature(0f).apply(z);
        assertThat(new float[]{z.logit(0), z.logit(1), z.logit(2), z.logit(3)})
                .containsExactly(Float.NEGATIVE_INFINITY, 4f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY);
    }

    @Test
    void candidateOrderMatchesAFullSortOnRandomData() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int trial = 0; trial < 80; trial++) {
            int n = trial < 70 ? 1 + r.nextInt(300) : 1 + r.nextInt(20000);   // heap selection and quicksort paths
            float[] l = new float[n];
            for (int i = 0; i < n; i++) l[i] = r.nextInt(8) == 0 ? (float) r.nextInt(3) : (float) r.nextGaussian();
            int k = trial % 3 == 0 ? n : 1 + r.nextInt(n);
            if (trial == 75) Arrays.sort(l);                                    // presorted and
            if (trial == 76) Arrays.fill(l, 1f);                                // all-tied inputs
            Candidates c = of(l);
            CandidateOrder.sortTop(c, k);
            Integer[] ref = new Integer[n];
            for (int i = 0; i < n; i++) ref[i] = i;
            Arrays.sort(ref, (a, b) -> l[a] != l[b] ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
            int[] expected = new int[k];
            for (int i = 0; i < k; i++) expected[i] = ref[i];
            assertThat(ids(c)).containsExactly(expected);
            for (int i = 0; i < k; i++) assertThat(c.logit(i)).isEqualTo(l[c.id(i)]);
        }
    }

    @Test
    void topPOnALargeVocabularyKeepsWhatAFullSortKeeps() {
        // above 1024 candidates top-p first tries the best 256 (llama.cpp's shortcut); both paths must agree
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (float scale : new float[]{0.3f, 4f, 12f}) {
            float[] l = new float[5000];
            for (int i = 0; i < l.length; i++) l[i] = (float) (scale * r.nextGaussian());
            for (float p : new float[]{0.1f, 0.5f, 0.95f}) {
                Candidates fast = of(l.clone());
                new TopP(p, 0).apply(fast);
                Candidates full = of(l.clone());
                CandidateOrder.sortTop(full, full.size());            // sorted first: no shortcut
                new TopP(p, 0).apply(full);
                assertThat(ids(fast)).as("scale %s p %s", scale, p).containsExactly(ids(full));
                // the reference sums in sorted order, the shortcut in id order (as llama.cpp): last-bit differences
                for (int i = 0; i < fast.size(); i++) {
                    assertThat(fast.prob(i)).isCloseTo(full.prob(i), within(1e-4f * full.prob(i)));
                }
            }
        }
    }
}
