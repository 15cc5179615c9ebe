package dev.jmoe.cli;

import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufValueType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hyper-parameters {@code jmoe inspect} shows for a model, read straight from its GGUF keys: which keys matter
 * for an architecture and how to label them. Presentation only — it feeds no computation (the model and the planner
 * read their own configs), which is why it lives with the command and not in {@code gguf} (which knows no model).
 * deepseek2 and llama get their own layouts; any other architecture gets the keys most share.
 */
final class InspectArchitecture {
    /** {@code fields}: flat, snake_case, numbers as numbers (for JSON); {@code lines}: label and text (for people). */
    record Summary(Map<String, Object> fields, List<String[]> lines) {}

    private final GgufMetadata m;
    private final String p; // key prefix, e.g. "deepseek2."
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final List<String[]> lines = new ArrayList<>();

    private InspectArchitecture(GgufMetadata m, String arch) {
        this.m = m;
        this.p = arch + ".";
    }

    static Summary of(GgufMetadata m, String arch) {
        InspectArchitecture a = new InspectArchitecture(m, arch == null ? "" : arch);
        if ("deepseek2".equals(arch)) a.deepseek2();
        else a.common();
        return new Summary(a.fields, a.lines);
    }

    private void deepseek2() {
        Long layers = num("layers", "block_count");
        Long dense = num("leading_dense_layers", "leading_dense_block_count");
        line("layers", layers == null ? "-" : layers + (dense == null ? "" : " (" + dense + " leading dense, " + (layers - dense) + " MoE)"));
        attention();
        Long experts = num("experts", "expert_count");
        Long used = num("experts_used", "expert_used_count");
        Long shared = num("experts_shared", "expert_shared_count");
        Long expertFfn = num("expert_ffn", "expert_feed_forward_length");
        Long ffn = num("dense_ffn", "feed_forward_length");
        line("experts", s(experts) + " routed, " + s(used) + " used, " + s(shared) + " shared; expert FFN " + s(expertFfn) + " (dense FFN " + s(ffn) + ")");
        Long groups = num("expert_groups", "expert_group_count");
        Long groupsUsed = num("expert_groups_used", "expert_group_used_count");
        if (groups != null || groupsUsed != null) line("expert groups", s(groupsUsed) + " used of " + s(groups));
        Long gating = num("gating_func_id", "expert_gating_func");
        String gatingName = gating == null ? "softmax (no key: llama.cpp's default for deepseek2)" : switch (gating.intValue()) {
            case 1 -> "softmax";
            case 2 -> "sigmoid";
            case 3 -> "softmax after top-k";
            default -> "unknown (" + gating + ")";
        };
        fields.put("gating_func", gating == null ? "softmax" : gatingName);
        Object scale = real("expert_weights_scale", "expert_weights_scale");
        Boolean norm = bool("expert_weights_norm", "expert_weights_norm");
        line("gating", gatingName + (norm == null ? ", weights not normalized (no key)" : norm ? ", weights normalized" : ", weights not normalized")
                + (scale == null ? "" : ", scale " + s(scale)));
        Long qLora = num("q_lora_rank", "attention.q_lora_rank");
        Long kvLora = num("kv_lora_rank", "attention.kv_lora_rank");
        Long rope = num("qk_rope_head_dim", "rope.dimension_count");
        // key_length_mla = qk_nope + qk_rope (the MLA split written since llama.cpp's kv_b split); older files: key_length
        Long keyLen = integer("attention.key_length_mla");
        if (keyLen == null) keyLen = integer("attention.key_length");
        Long nope = keyLen != null && rope != null ? keyLen - rope : null;
        if (nope != null) fields.put("qk_nope_head_dim", nope);
        Long vHead = integer("attention.value_length_mla");
        if (vHead == null) vHead = integer("attention.value_length");
        if (vHead != null) fields.put("v_head_dim", vHead);
        line("MLA", "q_lora " + (qLora == null ? "none (plain attn_q)" : qLora) + ", kv_lora " + s(kvLora)
                + "; qk_nope " + s(nope) + ", qk_rope " + s(rope) + ", v_head " + s(vHead));
        ropeLine();
        tail();
    }

    private void common() {
        Long layers = num("layers", "block_count");
        line("layers", s(layers));
        attention();
        Long ffn = num("ffn", "feed_forward_length");
        line("FFN", s(ffn));
        Long experts = num("experts", "expert_count");
        if (experts != null && experts > 0) {
            Long used = num("experts_used", "expert_used_count");
            Long shared = num("experts_shared", "expert_shared_count");
            Long expertFfn = num("expert_ffn", "expert_feed_forward_length");
            line("experts", experts + " routed, " + s(used) + " used" + (shared == null ? "" : ", " + shared + " shared")
                    + (expertFfn == null ? "" : "; expert FFN " + expertFfn));
        }
        Long ropeDims = num("rope_dims", "rope.dimension_count");
        ropeLine();
        if (ropeDims != null) lines.getLast()[1] += ", " + ropeDims + " dims";
        tail();
    }

    private void attention() {
        Long hidden = num("hidden", "embedding_length");
        Long heads = num("heads", "attention.head_count");
        Long kv = num("kv_heads", "attention.head_count_kv");
        line("hidden", s(hidden) + ", " + s(heads) + " heads (" + s(kv) + " KV)");
    }

    private void ropeLine() {
        Object base = real("rope_freq_base", "rope.freq_base");
        String type = string("rope_scaling", "rope.scaling.type");
        Object factor = real("rope_scaling_factor", "rope.scaling.factor");
        Long orig = num("rope_original_context", "rope.scaling.original_context_length");
        Object logMul = real("yarn_log_multiplier", "rope.scaling.yarn_log_multiplier");
        // llama.cpp's default when the key is absent: 10000
        StringBuilder sb = new StringBuilder("base " + (base == null ? "10000 (no key: llama.cpp's default)" : s(base)));
        if (type != null && !type.equals("none")) {
            sb.append(", ").append("yarn".equals(type) ? "YaRN" : type).append(" factor ").append(s(factor));
            if (orig != null) sb.append(" over original context ").append(orig);
            if (logMul != null) sb.append(" (log multiplier ").append(s(logMul)).append(')');
        }
        line("RoPE", sb.toString());
    }

    private void tail() {
        Object eps = real("rms_norm_eps", "attention.layer_norm_rms_epsilon");
        Long ctx = num("context_length", "context_length");
        Long vocab = integer("vocab_size");
        if (vocab == null) {
            GgufValue tokens = m.asMap().get("tokenizer.ggml.tokens");
            if (tokens != null && tokens.value() instanceof GgufValue.Array a) vocab = (long) a.length();
        }
        if (vocab != null) fields.put("vocab_size", vocab);
        line("context", s(ctx) + " tokens; vocab " + s(vocab) + "; RMS eps " + s(eps));
    }

    private void line(String label, String text) {
        lines.add(new String[]{label, text});
    }

    /** An integer key (prefixed), recorded under {@code field}; null when absent or not an integer. */
    private Long num(String field, String key) {
        Long v = integer(key);
        if (v != null) fields.put(field, v);
        return v;
    }

    private Long integer(String key) {
        GgufValue v = m.asMap().get(p + key);
        return v != null && v.type().isInteger() ? (Long) v.value() : null;
    }

    private Object real(String field, String key) {
        GgufValue v = m.asMap().get(p + key);
        if (v == null || !(v.value() instanceof Number n) || v.type() == GgufValueType.ARRAY) return null;
        fields.put(field, n);
        return n;
    }

    private Boolean bool(String field, String key) {
        GgufValue v = m.asMap().get(p + key);
        if (v == null || v.type() != GgufValueType.BOOL) return null;
        fields.put(field, v.value());
        return (Boolean) v.value();
    }

    private String string(String field, String key) {
        GgufValue v = m.asMap().get(p + key);
        if (v == null || v.type() != GgufValueType.STRING) return null;
        fields.put(field, v.value());
        return (String) v.value();
    }

    /** A value as a person reads it: "-" when absent, floats without trailing zeros or exponents. */
    static String s(Object v) {
        if (v == null) return "-";
        if (v instanceof Float || v instanceof Double) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) return Double.toString(d);
            return new BigDecimal(v.toString()).stripTrailingZeros().toPlainString();
        }
        return v.toString();
    }
}
