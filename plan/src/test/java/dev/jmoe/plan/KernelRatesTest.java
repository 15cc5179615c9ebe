package dev.jmoe.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelRatesTest {
    static final double SMALL = Calibration.EXPERT_ROWS * (double) Calibration.EXPERT_COLS;

    /** Q4_0 with 4-token tiles; Q4_K without; the expert-sized rate half the 256 MB one. */
    static KernelRates rates(double expertQ40) {
        return new KernelRates(50, Map.of("Q4_0", 20.0, "Q4_K", 10.0, "F32", 40.0), Map.of("Q4_0", expertQ40, "Q4_K", 5.0, "F32", 40.0),
                Map.of("Q4_0", 15.0), Map.of("Q4_0", 4096), Map.of("Q4_0", 100.0, "Q4_K", 30.0), Map.of("Q4_0", 4, "Q4_K", 1), 60);
    }

    @Test
    void oneTokenRunsAtTheMatvecRateOfItsSize() {
        KernelRates k = rates(10);
        long small = (long) (SMALL * 18 / 32);
        assertThat(k.seconds("Q4_0", small, SMALL, 2048, 1)).isCloseTo(small / 10e9, within(1e-12));
        double big = 256.0 * (1 << 20) / (4.5 / 8);
        assertThat(k.seconds("Q4_0", (long) (big * 18 / 32), big, 2048, 1)).isCloseTo(big * 18 / 32 / 20e9, within(1e-9));
        // in between: between the two rates, and never outside them for any size
        double mid = Math.sqrt(SMALL * big);
        assertThat(k.oneTokenGbs("Q4_0", mid, 2048)).isCloseTo(Math.sqrt(10 * 20.0), within(1e-9));
        assertThat(k.oneTokenGbs("Q4_0", 1, 2048)).isEqualTo(10);
        assertThat(k.oneTokenGbs("Q4_0", 1e12, 2048)).isEqualTo(20);
        // rows longer than the narrow kernel's limit: the wide measurement, and as much slower for small weights
        assertThat(k.oneTokenGbs("Q4_0", 1e12, 7168)).isEqualTo(15);
        assertThat(k.oneTokenGbs("Q4_0", 1, 7168)).isCloseTo(10 * 15 / 20.0, within(1e-9));
        assertThat(k.oneTokenGbs("Q4_0", 1e12, 4096)).isEqualTo(20);
    }

    @Test
    void batchesRunWholeTilesAtTheBatchRateAndLeftoverTokensOneByOne() {
        KernelRates k = rates(10);
        double e = 1e6;
        long bytes = (long) (e * 18 / 32);
        double one = k.seconds("Q4_0", bytes, e, 2048, 1);
        double tile = 2 * e * 4 / 100e9;
        assertThat(k.seconds("Q4_0", bytes, e, 2048, 3)).isCloseTo(3 * one, within(1e-12)); // below a tile: three matvecs
        assertThat(k.seconds("Q4_0", bytes, e, 2048, 4)).isCloseTo(tile, within(1e-12));
        assertThat(k.seconds("Q4_0", bytes, e, 2048, 9)).isCloseTo(2 * tile + one, within(1e-12));
        // no tiles: every token at the batch rate
        assertThat(k.seconds("Q4_K", bytes, e, 2048, 9)).isCloseTo(2 * e * 9 / 30e9, within(1e-12));
        // a weight bigger than the compute: its streaming bounds the product
        KernelRates fast = new KernelRates(1, Map.of("Q4_0", 20.0), Map.of("Q4_0", 20.0), Map.of(), Map.of(), Map.of("Q4_0", 1e6), Map.of("Q4_0", 4), 60);
        assertThat(fast.seconds("Q4_0", bytes, e, 2048, 4)).isCloseTo(bytes / 1e9, within(1e-12));
        // a type not measured takes the slowest quantized type's rate
        assertThat(k.oneTokenGbs("Q6_K", SMALL, 2048)).isEqualTo(5);
    }

    @Test
    void tokensPerExpertFollowTheBinomial() {
        double[] p = KernelStep.binomial(128, 6 / 64.0);
        double sum = 0, mean = 0;
        for (int x = 0; x < p.length; x++) {
            sum += p[x];
            mean += x * p[x];
        }
        assertThat(sum).isCloseTo(1, within(1e-9));
        assertThat(mean).isCloseTo(12, within(1e-9));
        assertThat(KernelStep.binomial(5, 1.0)[5]).isEqualTo(1);
    }

    /** Q4_0 at 20 GB/s one token at a time (71 GFLOP/s); with tiles, batches reach 100 GFLOP/s. */
    static JsonNode calibration(int tiles, double expertQ40) {
        return new ObjectMapper().valueToTree(Map.of("threads", 2, "cores", 2, "ram_bytes", 64L << 30, "stream_read_gbs", 50.0,
                "matvec_gbs", Map.of("Q4_0", 20.0, "F32", 40.0), "expert_matvec_gbs", Map.of("Q4_0", expertQ40, "F32", 40.0),
                "matmul_gflops", 60.0, "matmul_gflops_by_type", Map.of("Q4_0", tiles > 1 ? 100.0 : 2 * 20.0 / (18 / 32.0)), "tile_tokens", Map.of("Q4_0", tiles),
                "call_us", 0.0));
    }

    static PlanResult plan(ModelSpec m, JsonNode cal, int prompt) {
        return Planner.plan(new PlanRequest(m, Calibration.spec(cal, 2, m.quant()).build(), Policy.parse("cpu-only"), prompt + 1,
                "f32", 0, List.of(1), prompt, Calibration.efficiency(cal, 2, m.quant()), false));
    }

    @Test
    void decodeReadsEachWeightOnceAtTheCalibratedKernelRate() {
        ModelSpec m = ModelCatalog.spec("moonlight-16b-a3b", "q4_0");
        // one rate for every size: a decode step is the bytes a token reads ÷ that rate (the KV and the embedding row
        // are tiny); Q4_0's rate applies to the quantized weights (the Q6_K head takes the slowest measured quantized
        // type's), F32's to the rest
        double q40 = 0, f32 = 0;
        for (TensorSpec t : m.tensors()) {
            if (t.dims().length < 2 || t.role() == Role.EMBED || t.role() == Role.MTP) continue;
            double b = t.role() == Role.ROUTED_EXPERT ? (double) t.bytes() * m.nExpertUsed() / m.nExpert() : t.bytes();
            if (t.format().equals("F32")) f32 += b;
            else q40 += b;
        }
        double expectMs = (q40 / 20e9 + f32 / 40e9) * 1e3;
        PlanResult r = plan(m, calibration(4, 20.0), 16);
        assertThat(r.decode(1).stepMs()).isCloseTo(expectMs, within(expectMs * 0.01));
        // slower small products slow decode down
        assertThat(plan(m, calibration(4, 10.0), 16).decode(1).stepMs()).isGreaterThan(r.decode(1).stepMs() * 1.2);
    }

    @Test
    void prefillPricesExpertsByTheirTokensAndTheHeadForOneToken() {
        ModelSpec moon = ModelCatalog.spec("moonlight-16b-a3b", "q4_0"), v3 = ModelCatalog.spec("deepseek-v3", "q4_0");
        // tiles speed up Moonlight's prefill (≈ 12 tokens per expert at 128) far more than V3's (≈ 4 per expert)
        double moonGain = plan(moon, calibration(4, 20), 128).prefill().tokensPerSecond() / plan(moon, calibration(1, 20), 128).prefill().tokensPerSecond();
        double v3Gain = plan(v3, calibration(4, 20), 128).prefill().tokensPerSecond() / plan(v3, calibration(1, 20), 128).prefill().tokensPerSecond();
        // (at most 100 / 71 = 1.41×: the tile rate over the one-token rate)
        assertThat(moonGain).isGreaterThan(1.25);
        assertThat(v3Gain - 1).isLessThan((moonGain - 1) * 0.6);
        // the LM head is multiplied by the last token only: doubling it adds one head product to a 128-token prefill
        List<TensorSpec> doubled = moon.tensors().stream().map(t -> t.role() != Role.OUTPUT ? t
                : new TensorSpec(t.name(), t.format(), new long[] {t.dims()[0], 2 * t.dims()[1]}, 2 * t.bytes(), t.role(), t.layer())).toList();
        ModelSpec moon2 = new ModelSpec(moon.name(), moon.architecture(), moon.quant(), moon.nLayer(), moon.nEmbd(), moon.nVocab(),
                moon.nExpert(), moon.nExpertUsed(), moon.nExpertShared(), moon.kvElementsPerTokenLayer(), moon.attnFlopsPerTokenCtx(), doubled);
        double extra = plan(moon2, calibration(4, 20), 128).prefill().stepMs() - plan(moon, calibration(4, 20), 128).prefill().stepMs();
        double head = moon.bytes(Role.OUTPUT) / 20e9 * 1e3; // Q6_K, not measured: the slowest measured quantized rate
        assertThat(extra).isCloseTo(head, within(head * 0.01));
    }
}
