package dev.jmoe.plan;

/** What a tensor does, which decides where it is placed and how often a token reads it. */
public enum Role {
    /** token embeddings: one row read per token */
    EMBED,
    /** the LM head: read whole every token */
    OUTPUT,
    NORM,
    ATTENTION,
    /** FFN of the leading dense layers (or every layer of a dense model) */
    DENSE_FFN,
    SHARED_EXPERT,
    /** router weights and selection bias */
    ROUTER,
    /** merged 3-D routed expert tensors: a token reads only the experts it selects */
    ROUTED_EXPERT,
    /** DeepSeek's multi-token-prediction layer: loaded by some engines, not read at decode */
    MTP;

    public static Role of(String name, int layer, int nLayer) {
        if (layer >= nLayer) return MTP;
        if (name.equals("token_embd.weight")) return EMBED;
        if (name.startsWith("output.")) return OUTPUT;
        if (name.contains("norm")) return NORM;
        if (name.contains("ffn_gate_inp") || name.contains("exp_probs_b")) return ROUTER;
        if (name.contains("_exps")) return ROUTED_EXPERT;
        if (name.contains("_shexp")) return SHARED_EXPERT;
        if (name.contains("ffn_")) return DENSE_FFN;
        return ATTENTION;
    }
}
