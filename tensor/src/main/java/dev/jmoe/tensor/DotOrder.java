package dev.jmoe.tensor;

/**
 * The float summation order of the Q4_0 / Q8_0 matrix products (the types whose ggml x86 kernels we can reproduce bit
 * for bit). Both quantize the activations to Q8_0 exactly as llama.cpp does, so both stay within float rounding of
 * llama.cpp; they differ in the last bits, which MoE routing of random-weight test models can amplify.
 */
public enum DotOrder {
    /**
     * ggml's x86 kernels' rounding (Int8FloatKernels): every dot equal to llama.cpp's bit for bit, and a token's values
     * independent of the batch it is computed in (continuous batching gives each sequence the bits it gets alone).
     * Slower: lane permutes and pairwise adds per block.
     */
    GGML,
    /**
     * This library's own order (Q8FloatKernels): faster (matmul ~2.5×, Q4_0 matvec ~1.3× on this project's AVX-512
     * machine), within float rounding of GGML; a batch of 4+ tokens takes other kernels than a single token, so a
     * token's last bits depend on its batch. The default.
     */
    FAST
}
