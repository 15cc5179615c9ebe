package dev.jmoe.plan;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A model as the planner needs it: per-tensor bytes and roles, plus the few shape facts the KV cache, FLOP count and
 * expert arithmetic need. Built from a GGUF header ({@link ModelSpecs#fromGguf}) or a catalog entry.
 *
 * @param kvElementsPerTokenLayer values cached per token per layer: MLA {@code kv_lora + rope} (576 for V3);
 *                                GQA {@code 2 · n_kv_head · head_dim}
 * @param attnFlopsPerTokenCtx    multiply-adds per token per cached position, summed over layers (attention scores +
 *                                weighted sum), for the context-dependent part of the FLOP count
 */
public record ModelSpec(String name, String architecture, String quant, int nLayer, int nEmbd, int nVocab,
                        int nExpert, int nExpertUsed, int nExpertShared, long kvElementsPerTokenLayer,
                        long attnFlopsPerTokenCtx, List<TensorSpec> tensors) {

    public boolean isMoe() {
        return nExpert > 1;
    }

    public long totalBytes() {
        return tensors.stream().mapToLong(TensorSpec::bytes).sum();
    }

    public long parameters() {
        return tensors.stream().mapToLong(TensorSpec::elements).sum();
    }

    public Map<Role, Long> bytesByRole() {
        Map<Role, Long> m = new EnumMap<>(Role.class);
        for (TensorSpec t : tensors) m.merge(t.role(), t.bytes(), Long::sum);
        return m;
    }

    public long bytes(Role role) {
        return bytesByRole().getOrDefault(role, 0L);
    }

    /** Bytes of one routed expert summed over all MoE layers (gate + up + down), i.e. per-expert-per-model. */
    public double bytesPerExpertAllLayers() {
        return nExpert == 0 ? 0 : (double) bytes(Role.ROUTED_EXPERT) / nExpert;
    }

    /** Number of MoE layers (layers holding routed experts). */
    public int moeLayers() {
        return (int) tensors.stream().filter(t -> t.role() == Role.ROUTED_EXPERT).mapToInt(TensorSpec::layer).distinct().count();
    }

    /**
     * Weight bytes one decode step reads outside the routed experts: everything but embeddings (one row), routed
     * experts and the MTP layer.
     */
    public long denseBytesPerStep() {
        long b = 0;
        for (TensorSpec t : tensors) {
            switch (t.role()) {
                case ROUTED_EXPERT, MTP -> { }
                case EMBED -> b += t.bytes() / Math.max(1, nVocab);
                default -> b += t.bytes();
            }
        }
        return b;
    }

    /**
     * Weight bytes one decode token reads: {@link #denseBytesPerStep()} plus {@code k} routed experts in every MoE layer
     * (the KV cache, a few KB per position, is left out).
     */
    public double bytesPerToken(int k) {
        return denseBytesPerStep() + (nExpert == 0 ? 0 : (double) bytes(Role.ROUTED_EXPERT) * k / nExpert);
    }

    /**
     * Matrix products a forward pass dispatches outside the routed experts: every 2-D weight but the embeddings
     * (one row is copied, not multiplied) and the MTP layer.
     */
    public int denseProducts() {
        int n = 0;
        for (TensorSpec t : tensors) {
            if (t.dims().length >= 2 && t.role() != Role.EMBED && t.role() != Role.MTP && t.role() != Role.ROUTED_EXPERT) n++;
        }
        return n;
    }

    /** Products one selected routed expert costs in one MoE layer: gate, up, down (2 with a fused gate_up). */
    public int productsPerExpert() {
        int moe = moeLayers();
        if (moe == 0) return 0;
        long n = tensors.stream().filter(t -> t.role() == Role.ROUTED_EXPERT).count();
        return (int) Math.max(1, n / moe);
    }

    /** Parameters a token multiplies with ({@code k} routed experts per MoE layer): 2× this is its FLOPs. */
    public double activeParameters(int k) {
        double p = 0;
        for (TensorSpec t : tensors) {
            switch (t.role()) {
                case MTP, EMBED -> { }
                case ROUTED_EXPERT -> p += (double) t.elements() / t.experts() * k;
                default -> p += t.elements();
            }
        }
        return p;
    }
}
