package dev.jmoe.model.synth;

import dev.jmoe.gguf.GgufValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code llama}-architecture model: dense Llama, or Mixtral-style MoE ({@code experts > 0}: softmax top-k router
 * {@code ffn_gate_inp}, merged {@code ffn_{gate,up,down}_exps}; {@code feed_forward_length} is then each expert's FFN
 * width, as in llama.cpp's Mixtral files). Keys as llama.cpp's Hugging Face converter writes them.
 */
public record LlamaShape(String name, int vocab, int hidden, int layers, int ffn, int heads, int kvHeads,
                         int experts, int expertsUsed, long contextLength, float ropeBase, float rmsEps) {

    public LlamaShape withLayers(int n) {
        if (n < 1) throw new IllegalArgumentException("--layers must be >= 1");
        return new LlamaShape(name, vocab, hidden, n, ffn, heads, kvHeads, experts, expertsUsed, contextLength, ropeBase, rmsEps);
    }

    public ModelSpec spec() {
        List<TensorSpec> t = tensors();
        long params = 0;
        for (TensorSpec s : t) params += s.elementCount();
        String a = "llama.";
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.ofString("llama"));
        m.put("general.type", GgufValue.ofString("model"));
        m.put("general.name", GgufValue.ofString(name));
        m.put("general.size_label", GgufValue.ofString(ModelSpec.sizeLabel(params)));
        m.put(a + "block_count", DeepseekShape.u32(layers));
        m.put(a + "context_length", DeepseekShape.u32(contextLength));
        m.put(a + "embedding_length", DeepseekShape.u32(hidden));
        m.put(a + "feed_forward_length", DeepseekShape.u32(ffn));
        m.put(a + "attention.head_count", DeepseekShape.u32(heads));
        m.put(a + "attention.head_count_kv", DeepseekShape.u32(kvHeads));
        m.put(a + "rope.freq_base", GgufValue.ofFloat32(ropeBase));
        m.put(a + "attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(rmsEps));
        if (experts > 0) {
            m.put(a + "expert_count", DeepseekShape.u32(experts));
            m.put(a + "expert_used_count", DeepseekShape.u32(expertsUsed));
        }
        m.put("general.file_type", DeepseekShape.u32(0));
        m.put(a + "vocab_size", DeepseekShape.u32(vocab));
        m.put(a + "rope.dimension_count", DeepseekShape.u32(hidden / heads));
        m.put("general.quantization_version", DeepseekShape.u32(2));
        m.putAll(SpmVocab.metadata(vocab));
        return new ModelSpec(name, m, t);
    }

    private List<TensorSpec> tensors() {
        long headDim = hidden / heads;
        List<TensorSpec> t = new ArrayList<>();
        t.add(new TensorSpec("token_embd.weight", new long[]{hidden, vocab}, TensorSpec.Init.EMBEDDING, 0));
        for (int i = 0; i < layers; i++) {
            String b = "blk." + i + ".";
            t.add(TensorSpec.norm(b + "attn_norm.weight", hidden));
            t.add(TensorSpec.linear(b + "attn_q.weight", hidden, hidden));
            t.add(TensorSpec.linear(b + "attn_k.weight", hidden, kvHeads * headDim));
            t.add(TensorSpec.linear(b + "attn_v.weight", hidden, kvHeads * headDim));
            t.add(TensorSpec.linear(b + "attn_output.weight", hidden, hidden));
            t.add(TensorSpec.norm(b + "ffn_norm.weight", hidden));
            if (experts == 0) {
                t.add(TensorSpec.linear(b + "ffn_gate.weight", hidden, ffn));
                t.add(TensorSpec.linear(b + "ffn_up.weight", hidden, ffn));
                t.add(TensorSpec.linear(b + "ffn_down.weight", ffn, hidden));
            } else {
                t.add(TensorSpec.linear(b + "ffn_gate_inp.weight", hidden, experts));
                t.add(TensorSpec.linear(b + "ffn_gate_exps.weight", hidden, ffn, experts));
                t.add(TensorSpec.linear(b + "ffn_up_exps.weight", hidden, ffn, experts));
                t.add(TensorSpec.linear(b + "ffn_down_exps.weight", ffn, hidden, experts));
            }
        }
        t.add(TensorSpec.norm("output_norm.weight", hidden));
        t.add(new TensorSpec("output.weight", new long[]{hidden, vocab}, TensorSpec.Init.HEAD, 0));
        return t;
    }
}
