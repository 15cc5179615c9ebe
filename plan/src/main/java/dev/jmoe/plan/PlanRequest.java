package dev.jmoe.plan;

import java.util.List;

/**
 * One planning question.
 *
 * @param ctx            context length the KV cache is sized for
 * @param kvType         KV cache element type: f32, f16, bf16, q8_0
 * @param experts        routed experts per token (0 = the model's own count)
 * @param batches        decode batch sizes to predict
 * @param prompt         prompt length for the prefill prediction
 * @param tensorParallel GPUs of a node split each layer (SGLang/vLLM TP) instead of holding whole layers (llama.cpp)
 */
public record PlanRequest(ModelSpec model, Hardware.Cluster cluster, Policy policy, int ctx, String kvType, int experts,
                          List<Integer> batches, int prompt, Efficiency efficiency, boolean tensorParallel) {

    public int expertsPerToken() {
        return experts > 0 ? experts : model.nExpertUsed();
    }

    public double kvBytesPerElement() {
        return switch (kvType.toLowerCase(java.util.Locale.ROOT)) {
            case "f32" -> 4;
            case "f16", "bf16" -> 2;
            case "q8_0" -> 34.0 / 32;
            case "q4_0" -> 18.0 / 32;
            default -> throw new IllegalArgumentException("unknown KV cache type '" + kvType + "'; known: f32, f16, bf16, q8_0, q4_0");
        };
    }

    public PlanRequest with(ModelSpec m) {
        return new PlanRequest(m, cluster, policy, ctx, kvType, experts, batches, prompt, efficiency, tensorParallel);
    }

    public PlanRequest withCluster(Hardware.Cluster c) {
        return new PlanRequest(model, c, policy, ctx, kvType, experts, batches, prompt, efficiency, tensorParallel);
    }

    public PlanRequest withCtx(int c) {
        return new PlanRequest(model, cluster, policy, c, kvType, experts, batches, prompt, efficiency, tensorParallel);
    }

    public PlanRequest withExperts(int k) {
        return new PlanRequest(model, cluster, policy, ctx, kvType, k, batches, prompt, efficiency, tensorParallel);
    }
}
