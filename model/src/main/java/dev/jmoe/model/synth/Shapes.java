package dev.jmoe.model.synth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The model shapes {@code jmoe synth} knows. Tiny shapes are our test models; real-size shapes carry the published
 * {@code config.json} values (cited per shape) for the planner and for benchmarks.
 */
public final class Shapes {
    private Shapes() {}

    /** A shape: its spec at the default depth, or cut/extended to {@code layers}. */
    public interface Shape {
        String description();

        ModelSpec spec(Integer layers);
    }

    private record Deepseek(DeepseekShape s, String description) implements Shape {
        public ModelSpec spec(Integer layers) {
            return (layers == null ? s : s.withLayers(layers)).spec();
        }
    }

    private record Llama(LlamaShape s, String description) implements Shape {
        public ModelSpec spec(Integer layers) {
            return (layers == null ? s : s.withLayers(layers)).spec();
        }
    }

    private static final Map<String, Shape> SHAPES = new LinkedHashMap<>();

    static {
        // Same dims as shared/models/dsv3-tiny-F32.gguf (shared/models/README.md): V3-style, 2,726,960 parameters.
        add("dsv3-tiny", "deepseek2, DeepSeek-V3 style: q_lora, sigmoid + bias, 4 groups, 1 dense + 3 MoE layers, YaRN",
                new DeepseekShape("dsv3-tiny", 512, 256, 4, 1, 512, 8, 128, 64, 32, 16, 32,
                        16, 4, 1, 32, 4, 2, true, true, true, 2.5f,
                        163840, 10000f, 1e-6f, 40f, 4096, 32f, 1f, 0.1f));
        // Same dims as shared/models/dsv2-tiny-F32.gguf: V2-Lite style. 27 layers because llama.cpp accepts a
        // deepseek2 model without q_lora_rank only with 26 or 27 layers (src/models/deepseek2.cpp, "is_lite").
        add("dsv2-tiny", "deepseek2, DeepSeek-V2-Lite style: no q_lora, softmax, 2 shared experts, 27 layers",
                new DeepseekShape("dsv2-tiny", 512, 64, 27, 1, 128, 4, 0, 32, 32, 8, 16,
                        4, 2, 2, 32, 1, 1, false, false, false, 1.0f,
                        163840, 10000f, 1e-6f, 40f, 4096, 32f, 1f, 0.0707f));
        // Our own small dense Llama (stories260K's layout, other dims): head dim 32, GQA 4 heads / 2 KV heads.
        add("llama-tiny", "llama, dense: hidden 128, 4 layers, 4 heads / 2 KV heads, FFN 384",
                new LlamaShape("llama-tiny", 512, 128, 4, 384, 4, 2, 0, 0, 2048, 10000f, 1e-5f));
        // Mixtral-style MoE in the llama architecture: 8 experts, top-2 softmax; rope_theta 1e6 as Mixtral's config.
        add("mixtral-tiny", "llama + MoE (Mixtral style): hidden 128, 4 layers, 8 experts top-2, expert FFN 256",
                new LlamaShape("mixtral-tiny", 512, 128, 4, 256, 4, 2, 8, 2, 2048, 1e6f, 1e-5f));
        // deepseek-ai/DeepSeek-V2-Lite config.json: vocab_size 102400, hidden_size 2048, intermediate_size 10944,
        // moe_intermediate_size 1408, num_hidden_layers 27, first_k_dense_replace 1, num_attention_heads 16,
        // q_lora_rank null, kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128,
        // n_routed_experts 64, num_experts_per_tok 6, n_shared_experts 2, n_group 1, topk_group 1,
        // scoring_func softmax, topk_method greedy, norm_topk_prob false, routed_scaling_factor 1.0,
        // max_position_embeddings 163840, rope_theta 10000, rms_norm_eps 1e-6, rope_scaling yarn factor 40,
        // original_max_position_embeddings 4096, beta_fast 32, beta_slow 1, mscale 0.707, mscale_all_dim 0.707.
        add("deepseek-v2-lite", "DeepSeek-V2-Lite 15.7B (16B-A2.4B): 27 layers, hidden 2048, 64 experts top-6, 2 shared",
                new DeepseekShape("deepseek-v2-lite", 102400, 2048, 27, 1, 10944, 16, 0, 512, 128, 64, 128,
                        64, 6, 2, 1408, 1, 1, false, false, false, 1.0f,
                        163840, 10000f, 1e-6f, 40f, 4096, 32f, 1f, 0.0707f));
        // moonshotai/Moonlight-16B-A3B config.json (architecture DeepseekV3ForCausalLM): vocab_size 163840,
        // hidden_size 2048, intermediate_size 11264, moe_intermediate_size 1408, num_hidden_layers 27,
        // first_k_dense_replace 1, num_attention_heads 16, q_lora_rank null, kv_lora_rank 512, qk_nope_head_dim 128,
        // qk_rope_head_dim 64, v_head_dim 128, n_routed_experts 64, num_experts_per_tok 6, n_shared_experts 2,
        // n_group 1, topk_group 1, scoring_func sigmoid, topk_method noaux_tc (e_score_correction_bias),
        // norm_topk_prob true, routed_scaling_factor 2.446, max_position_embeddings 8192, rope_theta 50000,
        // rope_scaling null (no YaRN keys), rms_norm_eps 1e-5.
        add("moonlight-16b-a3b", "Moonlight-16B-A3B (DeepSeek-V3 arch): 27 layers, hidden 2048, 64 experts top-6, 2 shared, sigmoid + bias",
                new DeepseekShape("moonlight-16b-a3b", 163840, 2048, 27, 1, 11264, 16, 0, 512, 128, 64, 128,
                        64, 6, 2, 1408, 1, 1, true, true, true, 2.446f,
                        8192, 50000f, 1e-5f, 0f, 0, 0f, 0f, 0f));
        // deepseek-ai/DeepSeek-V3 config.json (shared/reference/deepseek2.md): vocab 129280, hidden 7168, 61 layers,
        // first 3 dense (FFN 18432), 256 routed experts (FFN 2048) top-8, 1 shared, 8 groups top-4, sigmoid +
        // e_score_correction_bias, norm_topk_prob true, routed_scaling_factor 2.5, 128 heads, q_lora 1536,
        // kv_lora 512, qk_nope 128, qk_rope 64, v_head 128, max_position_embeddings 163840, rope_theta 10000,
        // YaRN factor 40 over 4096 (beta 32/1, mscale_all_dim 1.0), rms_norm_eps 1e-6. The MTP layer (layer 61) is
        // left out, as llama.cpp's converter does: 671.0 B parameters.
        add("deepseek-v3", "DeepSeek-V3 671B: 61 layers (3 dense), hidden 7168, 256 experts top-8, 1 shared, MLA q_lora 1536",
                new DeepseekShape("deepseek-v3", 129280, 7168, 61, 3, 18432, 128, 1536, 512, 128, 64, 128,
                        256, 8, 1, 2048, 8, 4, true, true, true, 2.5f,
                        163840, 10000f, 1e-6f, 40f, 4096, 32f, 1f, 0.1f));
    }

    private static void add(String name, String description, DeepseekShape s) {
        SHAPES.put(name, new Deepseek(s, description));
    }

    private static void add(String name, String description, LlamaShape s) {
        SHAPES.put(name, new Llama(s, description));
    }

    public static Set<String> names() {
        return SHAPES.keySet();
    }

    public static Optional<Shape> find(String name) {
        return Optional.ofNullable(SHAPES.get(name));
    }

    /** The shape; an unknown name is an error that lists the known ones. */
    public static Shape get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown shape '" + name + "'; known: " + String.join(", ", names())));
    }

    public static ModelSpec spec(String name, Integer layers) {
        return get(name).spec(layers);
    }
}
