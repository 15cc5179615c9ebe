package dev.jmoe.plan;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.QuantMix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Models the planner knows without a file: their Hugging Face {@code config.json} shapes (source named per entry),
 * expanded into the tensor table llama.cpp's converter writes, then typed per tensor by a quantization mix.
 */
public final class ModelCatalog {

    /**
     * A model's shape. MoE fields are 0 for dense models; {@code qLora} 0 = no query compression; {@code kvLora} 0 =
     * GQA attention (then {@code headDim} is the per-head K/V size).
     */
    public record Config(String name, String arch, String source, int nLayer, int nDenseLead, int nEmbd, int nFf,
                         int nExpert, int nUsed, int nShared, int nFfExp, int nHead, int nHeadKv, int headDim,
                         int qLora, int kvLora, int qkNope, int qkRope, int vHead, int nVocab, boolean tied) {
        boolean mla() {
            return kvLora > 0;
        }
    }

    private static final Map<String, Config> MODELS = new LinkedHashMap<>();
    private static final java.util.Set<String> SELECTION_BIAS = java.util.Set.of("deepseek-v3", "kimi-k2", "moonlight-16b-a3b");

    static {
        // deepseek-ai/DeepSeek-V3 config.json (R1 and V3.1 share the shape); MTP layer not counted (llama.cpp skips it)
        add(new Config("deepseek-v3", "deepseek2", "huggingface.co/deepseek-ai/DeepSeek-V3 config.json",
                61, 3, 7168, 18432, 256, 8, 1, 2048, 128, 128, 0, 1536, 512, 128, 64, 128, 129280, false));
        // deepseek-ai/DeepSeek-V2 config.json
        add(new Config("deepseek-v2", "deepseek2", "huggingface.co/deepseek-ai/DeepSeek-V2 config.json",
                60, 1, 5120, 12288, 160, 6, 2, 1536, 128, 128, 0, 1536, 512, 128, 64, 128, 102400, false));
        // deepseek-ai/DeepSeek-V2-Lite config.json (no q_lora)
        add(new Config("deepseek-v2-lite", "deepseek2", "huggingface.co/deepseek-ai/DeepSeek-V2-Lite config.json",
                27, 1, 2048, 10944, 64, 6, 2, 1408, 16, 16, 0, 0, 512, 128, 64, 128, 102400, false));
        // moonshotai/Kimi-K2-Instruct config.json (DeepSeek-V3 architecture, 384 experts, 64 heads)
        add(new Config("kimi-k2", "deepseek2", "huggingface.co/moonshotai/Kimi-K2-Instruct config.json",
                61, 1, 7168, 18432, 384, 8, 1, 2048, 64, 64, 0, 1536, 512, 128, 64, 128, 163840, false));
        // moonshotai/Moonlight-16B-A3B config.json (DeepSeek-V3 architecture, no q_lora)
        add(new Config("moonlight-16b-a3b", "deepseek2", "huggingface.co/moonshotai/Moonlight-16B-A3B config.json",
                27, 1, 2048, 11264, 64, 6, 2, 1408, 16, 16, 0, 0, 512, 128, 64, 128, 163840, false));
        // Qwen/Qwen3-235B-A22B config.json
        add(new Config("qwen3-235b-a22b", "qwen3moe", "huggingface.co/Qwen/Qwen3-235B-A22B config.json",
                94, 0, 4096, 0, 128, 8, 0, 1536, 64, 4, 128, 0, 0, 0, 0, 0, 151936, false));
        // Qwen/Qwen3-30B-A3B config.json
        add(new Config("qwen3-30b-a3b", "qwen3moe", "huggingface.co/Qwen/Qwen3-30B-A3B config.json",
                48, 0, 2048, 0, 128, 8, 0, 768, 32, 4, 128, 0, 0, 0, 0, 0, 151936, false));
        // mistralai/Mixtral-8x7B-v0.1 config.json
        add(new Config("mixtral-8x7b", "llama", "huggingface.co/mistralai/Mixtral-8x7B-v0.1 config.json",
                32, 0, 4096, 0, 8, 2, 0, 14336, 32, 8, 128, 0, 0, 0, 0, 0, 32000, false));
        // mistralai/Mixtral-8x22B-v0.1 config.json
        add(new Config("mixtral-8x22b", "llama", "huggingface.co/mistralai/Mixtral-8x22B-v0.1 config.json",
                56, 0, 6144, 0, 8, 2, 0, 16384, 48, 8, 128, 0, 0, 0, 0, 0, 32768, false));
        // meta-llama/Llama-3.1-8B / 70B / 405B config.json
        add(new Config("llama-3.1-8b", "llama", "huggingface.co/meta-llama/Llama-3.1-8B config.json",
                32, 32, 4096, 14336, 0, 0, 0, 0, 32, 8, 128, 0, 0, 0, 0, 0, 128256, false));
        add(new Config("llama-3.1-70b", "llama", "huggingface.co/meta-llama/Llama-3.1-70B config.json",
                80, 80, 8192, 28672, 0, 0, 0, 0, 64, 8, 128, 0, 0, 0, 0, 0, 128256, false));
        add(new Config("llama-3.1-405b", "llama", "huggingface.co/meta-llama/Llama-3.1-405B config.json",
                126, 126, 16384, 53248, 0, 0, 0, 0, 128, 8, 128, 0, 0, 0, 0, 0, 128256, false));
    }

    /** Quantizations a catalog model can be sized at. */
    public static final List<String> QUANTS = List.of("bf16", "fp8", "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0",
            "q3_k_m", "q2_k", "iq2_xxs", "iq1_s");

    private ModelCatalog() {}

    private static void add(Config c) {
        MODELS.put(c.name(), c);
    }

    public static List<String> names() {
        return List.copyOf(MODELS.keySet());
    }

    public static Config config(String name) {
        Config c = MODELS.get(name.toLowerCase(Locale.ROOT));
        if (c == null) throw new IllegalArgumentException(Names.unknown("model", name, MODELS.keySet()));
        return c;
    }

    /** The model at a quantization: every tensor typed and sized. */
    public static ModelSpec spec(String name, String quant) {
        Config c = config(name);
        String q = quant.toLowerCase(Locale.ROOT);
        if (!QUANTS.contains(q)) throw new IllegalArgumentException(Names.unknown("quantization", quant, QUANTS));
        List<QuantMix.TensorDesc> descs = tensors(c);
        Map<String, String> formats = formats(c, q, descs);
        List<TensorSpec> specs = new ArrayList<>();
        for (QuantMix.TensorDesc d : descs) {
            String fmt = formats.get(d.name());
            int layer = ModelSpecs.layerOf(d.name());
            specs.add(new TensorSpec(d.name(), fmt, d.dims(), bytes(fmt, d.dims()), Role.of(d.name(), layer, c.nLayer()), layer));
        }
        long kv, attnFlops;
        if (c.mla()) {
            kv = c.kvLora() + c.qkRope();
            attnFlops = (long) c.nLayer() * c.nHead() * (c.kvLora() + c.qkRope() + c.kvLora());
        } else {
            kv = 2L * c.nHeadKv() * c.headDim();
            attnFlops = (long) c.nLayer() * c.nHead() * 2L * c.headDim();
        }
        return new ModelSpec(c.name(), c.arch(), q.toUpperCase(Locale.ROOT), c.nLayer(), c.nEmbd(), c.nVocab(), c.nExpert(),
                c.nUsed(), c.nShared(), kv, attnFlops, List.copyOf(specs));
    }

    static long bytes(String format, long[] dims) {
        long n = 1;
        for (long d : dims) n *= d;
        if (format.equals("FP8_E4M3")) {
            // one byte per weight + one F32 scale per 128×128 block of each 2-D slice (DeepSeek's weight_scale_inv)
            long rows = n / dims[0];
            return n + 4L * ceil(dims[0], 128) * ceil(rows, 128);
        }
        GgmlType t = GgmlType.valueOf(format);
        return t.bytesFor(n);
    }

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }

    /** The tensor table llama.cpp's converter writes for this config (F32 placeholders before typing). */
    static List<QuantMix.TensorDesc> tensors(Config c) {
        List<QuantMix.TensorDesc> t = new ArrayList<>();
        long e = c.nEmbd();
        add(t, "token_embd.weight", e, c.nVocab());
        add(t, "output_norm.weight", e);
        if (!c.tied()) add(t, "output.weight", e, c.nVocab());
        for (int i = 0; i < c.nLayer(); i++) {
            String p = "blk." + i + ".";
            add(t, p + "attn_norm.weight", e);
            if (c.mla()) {
                long qk = c.qkNope() + c.qkRope();
                if (c.qLora() > 0) {
                    add(t, p + "attn_q_a.weight", e, c.qLora());
                    add(t, p + "attn_q_a_norm.weight", c.qLora());
                    add(t, p + "attn_q_b.weight", c.qLora(), c.nHead() * qk);
                } else {
                    add(t, p + "attn_q.weight", e, c.nHead() * qk);
                }
                add(t, p + "attn_kv_a_mqa.weight", e, c.kvLora() + c.qkRope());
                add(t, p + "attn_kv_a_norm.weight", c.kvLora());
                add(t, p + "attn_k_b.weight", c.qkNope(), c.kvLora(), c.nHead());
                add(t, p + "attn_v_b.weight", c.kvLora(), c.vHead(), c.nHead());
                add(t, p + "attn_output.weight", (long) c.nHead() * c.vHead(), e);
            } else {
                long hd = c.headDim();
                add(t, p + "attn_q.weight", e, c.nHead() * hd);
                add(t, p + "attn_k.weight", e, c.nHeadKv() * hd);
                add(t, p + "attn_v.weight", e, c.nHeadKv() * hd);
                add(t, p + "attn_output.weight", c.nHead() * hd, e);
                if (c.arch().startsWith("qwen3")) {
                    add(t, p + "attn_q_norm.weight", hd);
                    add(t, p + "attn_k_norm.weight", hd);
                }
            }
            add(t, p + "ffn_norm.weight", e);
            boolean dense = c.nExpert() == 0 || i < c.nDenseLead();
            if (dense) {
                add(t, p + "ffn_gate.weight", e, c.nFf());
                add(t, p + "ffn_up.weight", e, c.nFf());
                add(t, p + "ffn_down.weight", c.nFf(), e);
            } else {
                add(t, p + "ffn_gate_inp.weight", e, c.nExpert());
                // V3-style sigmoid routing carries the selection bias (e_score_correction_bias)
                if (SELECTION_BIAS.contains(c.name())) add(t, p + "exp_probs_b.bias", c.nExpert());
                add(t, p + "ffn_gate_exps.weight", e, c.nFfExp(), c.nExpert());
                add(t, p + "ffn_up_exps.weight", e, c.nFfExp(), c.nExpert());
                add(t, p + "ffn_down_exps.weight", c.nFfExp(), e, c.nExpert());
                if (c.nShared() > 0) {
                    long sh = (long) c.nFfExp() * c.nShared();
                    add(t, p + "ffn_gate_shexp.weight", e, sh);
                    add(t, p + "ffn_up_shexp.weight", e, sh);
                    add(t, p + "ffn_down_shexp.weight", sh, e);
                }
            }
        }
        return t;
    }

    private static void add(List<QuantMix.TensorDesc> t, String name, long... dims) {
        t.add(new QuantMix.TensorDesc(name, dims, GgmlType.F32));
    }

    /**
     * Per-tensor formats. llama.cpp mixes go through {@link QuantMix}; bf16/fp8 keep norms and routers in F32 as the
     * official checkpoints do; iq2_xxs/iq1_s are "dynamic" mixes in the style of Unsloth's DeepSeek-R1 UD-IQ1_S /
     * UD-IQ2_XXS files (unsloth.ai/blog/deepseekr1-dynamic): routed experts at the low type, the down projections of
     * the first MoE layers one step up, and attention, shared experts, dense layers and embeddings at Q4_K, head Q6_K.
     */
    private static Map<String, String> formats(Config c, String q, List<QuantMix.TensorDesc> descs) {
        Map<String, String> out = new LinkedHashMap<>();
        switch (q) {
            case "bf16", "fp8" -> {
                for (QuantMix.TensorDesc d : descs) {
                    boolean weight = QuantMix.quantizable(d);
                    out.put(d.name(), !weight ? "F32" : q.equals("bf16") ? "BF16" : "FP8_E4M3");
                }
            }
            case "iq2_xxs", "iq1_s" -> {
                GgmlType low = q.equals("iq1_s") ? GgmlType.IQ1_S : GgmlType.IQ2_XXS;
                GgmlType up = q.equals("iq1_s") ? GgmlType.IQ2_XXS : GgmlType.IQ3_XXS;
                int firstMoe = c.nDenseLead();
                for (QuantMix.TensorDesc d : descs) {
                    int layer = ModelSpecs.layerOf(d.name());
                    Role r = Role.of(d.name(), layer, c.nLayer());
                    GgmlType t;
                    if (!QuantMix.quantizable(d)) t = GgmlType.F32;
                    else if (r == Role.ROUTED_EXPERT) t = d.name().contains("down") && layer < firstMoe + 3 ? up : low;
                    else if (r == Role.OUTPUT) t = GgmlType.Q6_K;
                    else t = GgmlType.Q4_K;
                    out.put(d.name(), fallbackName(d, t));
                }
            }
            default -> {
                QuantMix mix = QuantMix.byName(q).orElseThrow();
                var facts = new QuantMix.ModelFacts(c.nLayer(), c.nExpert(), c.nHead() / Math.max(1, c.mla() ? 1 : c.nHeadKv()));
                mix.assign(descs, facts).forEach((k, v) -> out.put(k, v.name()));
            }
        }
        return out;
    }

    private static String fallbackName(QuantMix.TensorDesc d, GgmlType t) {
        if (d.dims()[0] % t.blockSize == 0) return t.name();
        return d.dims()[0] % 32 == 0 ? GgmlType.Q5_0.name() : GgmlType.F16.name();
    }
}
