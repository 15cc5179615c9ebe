package dev.jmoe.model.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerChainTest {

    @Test
    void mersenneTwisterMatchesTheCppStandard() {
        Mt19937 mt = new Mt19937(5489);
        assertThat(mt.nextUnsigned()).isEqualTo(3499211612L);   // first output of the default seed
        for (int i = 2; i < 10000; i++) mt.nextUnsigned();
        assertThat(mt.nextUnsigned()).isEqualTo(4123659995L);   // [rand.predef]: the 10000th is 4123659995
    }

    @Test
    void canonicalDoublesAreInTheUnitInterval() {
        Mt19937 a = new Mt19937(42);
        Mt19937 b = new Mt19937(42);
        long lo = b.nextUnsigned();
        long hi = b.nextUnsigned();
        assertThat(a.nextCanonical()).isEqualTo((lo + hi * 4294967296.0) / 18446744073709551616.0);
        for (int i = 0; i < 1000; i++) assertThat(a.nextCanonical()).isGreaterThanOrEqualTo(0).isLessThan(1);
    }

    @Test
    void theSameSeedGivesTheSameTokens() {
        float[] logits = new float[50];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < logits.length; i++) logits[i] = (float) r.nextGaussian();
        SamplerParams p = new SamplerParams(1.5f, 0, 1f, 0f, 1f, 0f, 0f, 0, 1234, 0);
        int[] first = draw(p.build(50), logits, 200);
        int[] second = draw(p.build(50), logits, 200);
        assertThat(second).containsExactly(first);
        assertThat(draw(p.withSeed(1235).build(50), logits, 200)).isNotEqualTo(first);
        Sampler s = p.build(50);
        draw(s, logits, 17);
        s.reset();
        assertThat(draw(s, logits, 200)).containsExactly(first);
    }

    static int[] draw(Sampler s, float[] logits, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.sample(logits);
        return out;
    }

    @Test
    void drawsFollowTheSoftmax() {
        // probabilities 0.1, 0.2, 0.3, 0.4 at temperature 1; chi-square with 3 degrees of freedom
        float[] logits = SamplerStagesTest.ln(0.1, 0.2, 0.3, 0.4);
        Sampler s = new Sampler(4, List.of(), new Dist(99));
        int n = 40_000;
        int[] counts = new int[4];
        for (int i = 0; i < n; i++) counts[s.sample(logits)]++;
        double[] p = {0.1, 0.2, 0.3, 0.4};
        double chi2 = 0;
        for (int i = 0; i < 4; i++) chi2 += Math.pow(counts[i] - n * p[i], 2) / (n * p[i]);
        assertThat(chi2).as("chi-square of %s", java.util.Arrays.toString(counts)).isLessThan(16.27); // p = 0.001
    }

    @Test
    void minPRunsBeforeTemperatureAsInLlamaCppsDefaultChain() {
        // token 1 has p = 0.1 of the best: min-p 0.5 removes it before a temperature of 100 could flatten the logits
        float[] logits = SamplerStagesTest.ln(0.5, 0.05, 0.45);
        Sampler s = new SamplerParams(100f, 0, 1f, 0.5f, 1f, 0f, 0f, 0, 5, 0).build(3);
        int[] counts = new int[3];
        for (int i = 0; i < 3000; i++) counts[s.sample(logits)]++;
        assertThat(counts[1]).isZero();
        assertThat(counts[0]).isGreaterThan(1200);
        assertThat(counts[2]).isGreaterThan(1200);
    }

    @Test
    void topKRunsBeforeTopP() {
        // top-k 1 leaves a single candidate whatever top-p says
        float[] logits = SamplerStagesTest.ln(0.3, 0.35, 0.35);
        Sampler s = new SamplerParams(1f, 1, 0.99f, 0f, 1f, 0f, 0f, 0, 5, 0).build(3);
        for (int i = 0; i < 100; i++) assertThat(s.sample(logits)).isEqualTo(1);
    }

    @Test
    void zeroTemperatureIsGreedyAfterPenalties() {
        SamplerParams p = new SamplerParams(0f, 40, 0.95f, 0.05f, 10f, 0f, 0f, 64, 1, 0);
        Sampler s = p.build(3);
        float[] logits = {1f, 3f, 2.5f};
        assertThat(s.sample(logits)).isEqualTo(1);
        s.accept(1);                                     // 3 / 10 = 0.3 < 2.5
        assertThat(s.sample(logits)).isEqualTo(2);
        assertThat(SamplerParams.greedy().build(3).sample(new float[]{2f, 2f, 1f})).isZero();
    }

    @Test
    void defaultsAreLlamaCpps() {
        SamplerParams d = SamplerParams.defaults(7);
        assertThat(d.temperature()).isEqualTo(0.8f);
        assertThat(d.topK()).isEqualTo(40);
        assertThat(d.topP()).isEqualTo(0.95f);
        assertThat(d.minP()).isEqualTo(0.05f);
        assertThat(d.repeatPenalty()).isEqualTo(1f);
        assertThat(d.penaltyLastN()).isEqualTo(64);
    }

    @Test
    void samplingDoesNotAllocatePerToken() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] logits = new float[4096];
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (3 * r.nextGaussian());
        Sampler s = new SamplerParams(0.8f, 40, 0.95f, 0.05f, 1.1f, 0.1f, 0.1f, 64, 9, 0).build(logits.length);
        Sampler full = new SamplerParams(0.8f, 0, 0.9f, 0.01f, 1.1f, 0f, 0f, 64, 9, 0).build(logits.length);
        for (int i = 0; i < 300; i++) {
            s.accept(s.sample(logits));
            full.accept(full.sample(logits));
        }
        long before = bean.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200; i++) {
            s.accept(s.sample(logits));
            full.accept(full.sample(logits));
        }
        long allocated = bean.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated by 400 samples").isLessThan(4096);
    }
}
