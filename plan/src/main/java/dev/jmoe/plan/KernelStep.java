package dev.jmoe.plan;

import dev.jmoe.plan.Placement.Tier;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CPU's share of one step priced product by product with the jmoe kernels' calibrated rates ({@link KernelRates}):
 * every 2-D weight in RAM is one product of the step's tokens; each routed expert is one product of the tokens routed
 * to it, whose count is Binomial(tokens, k/N) — at prefill of 128 tokens a Moonlight expert (k/N = 6/64) sees about 12
 * tokens, a DeepSeek-V3 expert (8/256) about 4, so most of V3's expert work runs as leftover single tokens, not tiles.
 * Routing independence is the same assumption as {@link Planner#distinctExperts}.
 */
final class KernelStep {
    private KernelStep() {}

    /**
     * Milliseconds per part ("RAM bandwidth" where the weights' streaming bounds a product, else "CPU compute") for one
     * pipeline stage's RAM-resident weights: {@code tokens} per chunk, {@code chunks} chunks (the output head sees one
     * token per chunk in prefill), plus the step's KV cache
     * bytes and attention FLOPs on the CPU (already per stage).
     */
    static Map<String, Double> parts(PlanRequest r, Placement p, int tokens, int chunks, boolean prefill, double kvBytes, double attnFlops) {
        KernelRates k = r.efficiency().kernels();
        ModelSpec m = r.model();
        double dense = p.denseFraction(Tier.RAM), routed = p.expertFraction(Tier.RAM);
        double[] perExpert = m.nExpert() > 1 ? binomial(tokens, r.expertsPerToken() / (double) m.nExpert()) : new double[0];
        double memS = 0, compS = 0; // per chunk
        for (TensorSpec t : m.tensors()) {
            if (t.role() == Role.MTP || t.dims().length < 2) continue;
            if (t.role() == Role.EMBED) { // one row copied per token
                memS += dense * (double) t.bytes() / Math.max(1, m.nVocab()) * tokens / (k.streamGbs() * 1e9);
                continue;
            }
            double s, stream;
            if (t.role() == Role.ROUTED_EXPERT) {
                long e = t.experts(), bytes = t.bytes() / e;
                double elements = (double) t.elements() / e;
                s = 0;
                stream = 0;
                for (int n = 1; n < perExpert.length; n++) {
                    if (perExpert[n] < 1e-12) continue;
                    s += perExpert[n] * k.seconds(t.format(), bytes, elements, t.dims()[0], n);
                    stream += perExpert[n] * bytes / (k.streamGbs() * 1e9);
                }
                s *= e * routed;
                stream *= e * routed;
            } else {
                // prefill wants the logits of its last token only (llama-bench's and a server's prompt both)
                int tok = prefill && t.role() == Role.OUTPUT ? 1 : tokens;
                s = dense * k.seconds(t.format(), t.bytes(), t.elements(), t.dims()[0], tok);
                stream = dense * t.bytes() / (k.streamGbs() * 1e9);
            }
            if (s > 1.05 * stream) compS += s;
            else memS += s;
        }
        int n = Planner.stages(r);
        Map<String, Double> out = new LinkedHashMap<>();
        memS = memS * chunks / n + kvBytes / (k.streamGbs() * 1e9);
        compS = compS * chunks / n + attnFlops / (k.f32Gflops() * 1e9);
        if (memS > 0) out.put("RAM bandwidth", memS * 1e3);
        if (compS > 0) out.put("CPU compute", compS * 1e3);
        return out;
    }

    /** P(X = x) for X ~ Binomial(n, q), x = 0..n. */
    static double[] binomial(int n, double q) {
        double[] pmf = new double[n + 1];
        if (q >= 1) {
            pmf[n] = 1;
            return pmf;
        }
        pmf[0] = Math.pow(1 - q, n);
        for (int x = 0; x < n; x++) pmf[x + 1] = pmf[x] * (n - x) / (x + 1) * q / (1 - q);
        return pmf;
    }
}
