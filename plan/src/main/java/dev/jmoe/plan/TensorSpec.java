package dev.jmoe.plan;

/**
 * One tensor of a model as the planner sees it: its bytes and role. {@code format} is the ggml type name, or
 * {@code FP8_E4M3} for DeepSeek's official weights (not a GGUF type).
 *
 * @param layer block index, -1 for tensors outside the blocks
 */
public record TensorSpec(String name, String format, long[] dims, long bytes, Role role, int layer) {
    public long elements() {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    /** Experts in a merged routed-expert tensor (its outermost dim), else 1. */
    public long experts() {
        return role == Role.ROUTED_EXPERT && dims.length == 3 ? dims[2] : 1;
    }
}
