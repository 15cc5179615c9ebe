package dev.jmoe.model.synth;

import dev.jmoe.gguf.GgufValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code deepseek2}-architecture model (DeepSeek-V2, V2-Lite, V3, Moonlight, ...), written as llama.cpp's
 * converter writes it: MLA with {@code kv_b_proj} split into {@code attn_k_b} / {@code attn_v_b}, merged 3-D expert
 * tensors, no MTP layer. Key order, key types and tensor order follow shared/models/dsv3-tiny-F32.gguf.
 *
 * @param qLoraRank        0 = no query compression (V2-Lite, Moonlight): plain {@code attn_q}, no q_lora_rank key
 * @param sigmoidGating    V3 scoring (expert_gating_func 2) instead of softmax (1)
 * @param selectionBias    {@code exp_probs_b.bias} (V3 {@code noaux_tc}'s e_score_correction_bias)
 * @param normTopK         {@code expert_weights_norm}; the converter writes the key only when true
 * @param yarnFactor       0 = no rope scaling keys (Moonlight); else YaRN factor with the following parameters
 * @param yarnLogMul       {@code rope.scaling.yarn_log_multiplier} = 0.1 · mscale_all_dim
 */
public record DeepseekShape(String name, int vocab, int hidden, int layers, int denseLayers, int ffn, int heads,
                            int qLoraRank, int kvLoraRank, int qkNope, int qkRope, int vHead,
                            int experts, int expertsUsed, int sharedExperts, int expertFfn, int groups, int groupsUsed,
                            boolean sigmoidGating, boolean selectionBias, boolean normTopK, float expertScale,
                            long contextLength, float ropeBase, float rmsEps,
                            float yarnFactor, int yarnOrigContext, float yarnBetaFast, float yarnBetaSlow, float yarnLogMul) {

    public DeepseekShape withLayers(int n) {
        if (n < 1) throw new IllegalArgumentException("--layers must be >= 1");
        return new DeepseekShape(name, vocab, hidden, n, Math.min(denseLayers, n), ffn, heads, qLoraRank, kvLoraRank,
                qkNope, qkRope, vHead, experts, expertsUsed, sharedExperts, expertFfn, groups, groupsUsed, sigmoidGating,
                selectionBias, normTopK, expertScale, contextLength, ropeBase, rmsEps, yarnFactor, yarnOrigContext,
                yarnBetaFast, yarnBetaSlow, yarnLogMul);
    }

    public ModelSpec spec() {
        List<TensorSpec> t = tensors();
        long params = 0;
        for (TensorSpec s : t) params += s.elementCount();
        return new ModelSpec(name, metadata(params), t);
    }

    private Map<String, GgufValue> metadata(long params) {
        String a = "deepseek2.";
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.ofString("deepseek2"));
        m.put("general.type", GgufValue.ofString("model"));
        m.put("general.name", GgufValue.ofString(name));
        m.put("general.size_label", GgufValue.ofString(ModelSpec.sizeLabel(params)));
        m.put(a + "block_count", u32(layers));
        m.put(a + "context_length", u32(contextLength));
        m.put(a + "embedding_length", u32(hidden));
        m.put(a + "feed_forward_length", u32(ffn));
        m.put(a + "attention.head_count", u32(heads));
        m.put(a + "attention.head_count_kv", u32(1)); // MLA-split files: one shared latent "head"
        if (yarnFactor > 0) {
            m.put(a + "rope.scaling.type", GgufValue.ofString("yarn"));
            m.put(a + "rope.scaling.factor", GgufValue.ofFloat32(yarnFactor));
            m.put(a + "rope.scaling.original_context_length", u32(yarnOrigContext));
            m.put(a + "rope.scaling.yarn_beta_fast", GgufValue.ofFloat32(yarnBetaFast));
            m.put(a + "rope.scaling.yarn_beta_slow", GgufValue.ofFloat32(yarnBetaSlow));
        }
        m.put(a + "rope.freq_base", GgufValue.ofFloat32(ropeBase));
        m.put(a + "attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(rmsEps));
        m.put(a + "expert_count", u32(experts));
        m.put(a + "expert_used_count", u32(expertsUsed));
        m.put(a + "expert_group_count", u32(groups));
        m.put(a + "expert_group_used_count", u32(groupsUsed));
        m.put(a + "expert_gating_func", u32(sigmoidGating ? 2 : 1));
        m.put("general.file_type", u32(0));
        m.put(a + "leading_dense_block_count", u32(denseLayers));
        m.put(a + "vocab_size", u32(vocab));
        if (qLoraRank > 0) m.put(a + "attention.q_lora_rank", u32(qLoraRank));
        m.put(a + "attention.kv_lora_rank", u32(kvLoraRank));
        m.put(a + "attention.key_length", u32(kvLoraRank + qkRope));   // what the absorbed-MLA cache holds per token
        m.put(a + "attention.value_length", u32(kvLoraRank));
        m.put(a + "attention.key_length_mla", u32(qkNope + qkRope));
        m.put(a + "attention.value_length_mla", u32(vHead));
        m.put(a + "expert_feed_forward_length", u32(expertFfn));
        m.put(a + "expert_shared_count", u32(sharedExperts));
        m.put(a + "expert_weights_scale", GgufValue.ofFloat32(expertScale));
        if (normTopK) m.put(a + "expert_weights_norm", GgufValue.ofBool(true));
        m.put(a + "rope.dimension_count", u32(qkRope));
        if (yarnFactor > 0) m.put(a + "rope.scaling.yarn_log_multiplier", GgufValue.ofFloat32(yarnLogMul));
        m.put("general.quantization_version", u32(2));
        m.putAll(SpmVocab.metadata(vocab));
        return m;
    }

    private List<TensorSpec> tensors() {
        long qk = qkNope + qkRope;
        List<TensorSpec> t = new ArrayList<>();
        t.add(new TensorSpec("token_embd.weight", new long[]{hidden, vocab}, TensorSpec.Init.EMBEDDING, 0));
        for (int i = 0; i < layers; i++) {
            String b = "blk." + i + ".";
            t.add(TensorSpec.norm(b + "attn_norm.weight", hidden));
            if (qLoraRank > 0) {
                t.add(TensorSpec.linear(b + "attn_q_a.weight", hidden, qLoraRank));
                t.add(TensorSpec.norm(b + "attn_q_a_norm.weight", qLoraRank));
                t.add(TensorSpec.linear(b + "attn_q_b.weight", qLoraRank, (long) heads * qk));
            } else {
                t.add(TensorSpec.linear(b + "attn_q.weight", hidden, (long) heads * qk));
            }
            t.add(TensorSpec.linear(b + "attn_kv_a_mqa.weight", hidden, kvLoraRank + qkRope));
            t.add(TensorSpec.norm(b + "attn_kv_a_norm.weight", kvLoraRank));
            // both halves of HF's kv_b_proj [n_head·(nope+v), kv_lora]: fan_in is kv_lora for each
            t.add(new TensorSpec(b + "attn_k_b.weight", new long[]{qkNope, kvLoraRank, heads}, TensorSpec.Init.LINEAR, kvLoraRank));
            t.add(new TensorSpec(b + "attn_v_b.weight", new long[]{kvLoraRank, vHead, heads}, TensorSpec.Init.LINEAR, kvLoraRank));
            t.add(TensorSpec.linear(b + "attn_output.weight", (long) heads * vHead, hidden));
            t.add(TensorSpec.norm(b + "ffn_norm.weight", hidden));
            if (i < denseLayers) {
                t.add(TensorSpec.linear(b + "ffn_gate.weight", hidden, ffn));
                t.add(TensorSpec.linear(b + "ffn_up.weight", hidden, ffn));
                t.add(TensorSpec.linear(b + "ffn_down.weight", ffn, hidden));
            } else {
                t.add(TensorSpec.linear(b + "ffn_gate_inp.weight", hidden, experts));
                if (selectionBias) t.add(new TensorSpec(b + "exp_probs_b.bias", new long[]{experts}, TensorSpec.Init.BIAS, 0));
                long sh = (long) expertFfn * sharedExperts;
                t.add(TensorSpec.linear(b + "ffn_gate_shexp.weight", hidden, sh));
                t.add(TensorSpec.linear(b + "ffn_up_shexp.weight", hidden, sh));
                t.add(TensorSpec.linear(b + "ffn_down_shexp.weight", sh, hidden));
                t.add(TensorSpec.linear(b + "ffn_down_exps.weight", expertFfn, hidden, experts));
                t.add(TensorSpec.linear(b + "ffn_gate_exps.weight", hidden, expertFfn, experts));
                t.add(TensorSpec.linear(b + "ffn_up_exps.weight", hidden, expertFfn, experts));
            }
        }
        t.add(TensorSpec.norm("output_norm.weight", hidden));
        t.add(new TensorSpec("output.weight", new long[]{hidden, vocab}, TensorSpec.Init.HEAD, 0));
        return t;
    }

    static GgufValue u32(long v) {
        return GgufValue.ofUInt32(v);
    }
}
