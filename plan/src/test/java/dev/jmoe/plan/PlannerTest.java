package dev.jmoe.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.plan.Placement.Tier;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerTest {
    static PlanResult plan(ModelSpec m, HardwareSpec hw, String policy, String engine) {
        return Planner.plan(new PlanRequest(m, hw.build(), Policy.parse(policy), 4096, "f16", 0, List.of(1), 512,
                Efficiency.profile(engine), false));
    }

    @Test
    void deepseekV3Q4KMIsSizedLikeLlamaCppsFile() {
        // llama-bench reports the published DeepSeek-V3 Q4_K_M as 376.65 GiB / 671.03 B params (llama.cpp issue 10981)
        ModelSpec m = ModelCatalog.spec("deepseek-v3", "q4_k_m");
        assertThat(m.totalBytes() / (double) (1L << 30)).isCloseTo(376.65, within(376.65 * 0.01));
        assertThat(m.parameters() / 1e9).isCloseTo(671.03, within(0.5));
    }

    @Test
    void dynamicIq1sIsNearUnslothsPublishedSize() {
        // Unsloth's DeepSeek-R1 UD-IQ1_S: 131 GB (unsloth.ai/blog/deepseekr1-dynamic); our approximation of the mix
        double gb = ModelCatalog.spec("deepseek-v3", "iq1_s").totalBytes() / 1e9;
        assertThat(gb).isBetween(131 * 0.9, 131 * 1.15);
    }

    @Test
    void ggufHeaderSpecSumsExactlyToTheFilesTensorBytes() {
        try (GgufFile f = GgufFile.openHeader(SharedModels.require("dsv3-tiny-Q4_K_M.gguf"))) {
            ModelSpec m = ModelSpecs.fromGguf(f, "dsv3-tiny");
            assertThat(m.totalBytes()).isEqualTo(f.tensorBytes());
            assertThat(m.quant()).isEqualTo("Q4_K_M");
            assertThat(m.nExpert()).isEqualTo(16);
            assertThat(m.moeLayers()).isEqualTo(3);
            assertThat(m.kvElementsPerTokenLayer()).isEqualTo(64 + 16);
        }
    }

    @Test
    void mlaKvCacheOfV3Is70272BytesPerTokenAtF16() {
        ModelSpec m = ModelCatalog.spec("deepseek-v3", "q4_k_m");
        assertThat(m.kvElementsPerTokenLayer() * m.nLayer() * 2).isEqualTo(70_272L);
        // GQA: Llama-3.1-8B caches 2 × 8 heads × 128 per layer
        assertThat(ModelCatalog.spec("llama-3.1-8b", "q4_k_m").kvElementsPerTokenLayer()).isEqualTo(2048);
    }

    @Test
    void expectedDistinctExperts() {
        assertThat(Planner.distinctExperts(256, 8, 1)).isCloseTo(8, within(1e-9));
        assertThat(Planner.distinctExperts(256, 8, 32)).isCloseTo(256 * (1 - Math.pow(1 - 8 / 256.0, 32)), within(1e-9));
        assertThat(Planner.distinctExperts(256, 8, 100_000)).isCloseTo(256, within(1e-6));
    }

    @Test
    void rtx4090With384GbServerRamHoldsExpertsInRam() {
        PlanResult p = plan(ModelCatalog.spec("deepseek-v3", "q4_k_m"), HardwareSpec.of("rtx4090", "xeon-6454s", "384G"), "auto", "jmoe");
        assertThat(p.fitsInMemory()).isTrue();
        assertThat(p.placement().expertFraction(Tier.RAM)).isGreaterThan(0.9);
        assertThat(p.placement().weights(Tier.GPU)).containsKey(Role.ATTENTION);
        assertThat(p.decode(1).bottleneck()).isEqualTo("RAM bandwidth");
        assertThat(p.placement().used(Tier.GPU)).isLessThanOrEqualTo(p.placement().capacity(Tier.GPU));
    }

    @Test
    void oneRtx4090WithDesktopRamStreamsFromDiskAndAllGpuIsOom() {
        ModelSpec m = ModelCatalog.spec("deepseek-v3", "q4_k_m");
        PlanResult p = plan(m, HardwareSpec.of("rtx4090", "desktop-ddr5", "64G"), "auto", "jmoe");
        assertThat(p.fitsInMemory()).isFalse();
        assertThat(p.diskSpill()).isGreaterThan(300_000_000_000L);
        assertThat(p.decode(1).bottleneck()).isEqualTo("disk bandwidth");
        PlanResult allGpu = plan(m, HardwareSpec.of("4x rtx4090", null, null), "all-gpu", "jmoe");
        assertThat(allGpu.runs()).isFalse();
        assertThat(allGpu.placement().shortfall(Tier.GPU)).isGreaterThan(290_000_000_000L);
        assertThat(PlanReport.verdict(allGpu)).startsWith("DOES NOT FIT: GPU memory short by");
    }

    @Test
    void suggestionsMakeItFit() {
        ModelSpec m = ModelCatalog.spec("deepseek-v3", "q4_k_m");
        PlanResult p = plan(m, HardwareSpec.of("rtx4090", "xeon-6454s", "256G"), "auto", "jmoe");
        assertThat(p.fitsInMemory()).isFalse();
        var s = Suggestions.forPlan(p, "deepseek-v3");
        assertThat(s).isNotEmpty().allSatisfy(x -> assertThat(x.plan().fitsInMemory()).isTrue());
        assertThat(s).anySatisfy(x -> assertThat(x.change()).startsWith("quantize to"));
        assertThat(s).anySatisfy(x -> assertThat(x.change()).startsWith("add"));
    }

    @Test
    void moreSocketsMoreBandwidthAndFewerExpertsAreFaster() {
        ModelSpec m = ModelCatalog.spec("deepseek-v3", "q4_k_m");
        PlanResult one = plan(m, HardwareSpec.of("rtx4090", "xeon-6454s", "1T"), "cpu-moe", "ktransformers");
        PlanResult two = plan(m, HardwareSpec.of("rtx4090", "xeon-6454s-2s", "1T"), "cpu-moe", "ktransformers");
        assertThat(two.decode(1).tokensPerSecond()).isGreaterThan(one.decode(1).tokensPerSecond());
        PlanResult six = Planner.plan(two.request().withExperts(6));
        assertThat(six.decode(1).tokensPerSecond()).isGreaterThan(two.decode(1).tokensPerSecond());
    }

    @Test
    void cpuProductsCountDenseMatricesAndThreePerSelectedExpert() {
        ModelSpec m = ModelCatalog.spec("deepseek-v3", "q4_k_m");
        // per layer: q_a, q_b, kv_a_mqa, k_b, v_b, output (6); 3 dense FFN layers × 3, 58 MoE layers × (router + 3 shared);
        // plus the LM head
        assertThat(m.denseProducts()).isEqualTo(61 * 6 + 3 * 3 + 58 * 4 + 1);
        assertThat(m.productsPerExpert()).isEqualTo(3);
        PlanResult cpu = plan(m, HardwareSpec.of(null, "epyc-9654", "768G"), "cpu-only", "jmoe");
        double decode = Planner.cpuProducts(cpu.request(), cpu.placement(), 1, false);
        assertThat(decode).isCloseTo(m.denseProducts() + 58 * 8 * 3, within(1e-6));
        // prefill: each 512-token micro-batch dispatches every product once, over the experts it touches
        double prefill = Planner.cpuProducts(cpu.request(), cpu.placement(), 1024, true);
        assertThat(prefill).isCloseTo(2 * (m.denseProducts() + 58 * Planner.distinctExperts(256, 8, 512) * 3), within(1e-6));
        // a GPU holding everything dispatches nothing on the CPU, and the per-product cost shows in the step time
        PlanResult gpu = plan(m, HardwareSpec.of("8x h200", "epyc-9654", "768G"), "all-gpu", "jmoe");
        assertThat(Planner.cpuProducts(gpu.request(), gpu.placement(), 1, false)).isZero();
        assertThat(cpu.decode(1).partsMs()).containsKey("fixed per-step overhead");
    }

    @Test
    void unknownNamesListCloseMatches() {
        assertThatThrownBy(() -> ModelCatalog.config("deepseek-v4")).hasMessageContaining("did you mean deepseek-v3");
        assertThatThrownBy(() -> HardwareCatalog.gpu("rtx4080")).hasMessageContaining("rtx4090");
        assertThatThrownBy(() -> Policy.parse("layers:x")).hasMessageContaining("layers:N");
        assertThatThrownBy(() -> HardwareSpec.of("rtx4090", "m4-pro", null).build()).hasMessageContaining("unified");
    }

    @Test
    void unitsParse() {
        assertThat(Units.parseBytes("24G")).isEqualTo(24L << 30);
        assertThat(Units.parseBytes("1.5T")).isEqualTo((long) (1.5 * (1L << 40)));
        assertThatThrownBy(() -> Units.parseBytes("lots")).hasMessageContaining("not a size");
    }
}
