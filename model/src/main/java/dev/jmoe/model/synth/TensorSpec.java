package dev.jmoe.model.synth;

/**
 * One tensor of a synthetic model: GGUF name, ggml dims (innermost first), and how its values are drawn.
 *
 * @param fanIn for {@link Init#LINEAR}: the Hugging Face Linear's {@code in_features}, which scales the weights
 */
public record TensorSpec(String name, long[] dims, Init init, long fanIn) {

    /** The weight scheme of the shared reference models (see {@link WeightInit}). */
    public enum Init {
        /** N(0,1)/sqrt(fan_in) */
        LINEAR,
        /** 1 + 0.1·N(0,1) */
        NORM,
        /** N(0,1) */
        EMBEDDING,
        /** 0.1·N(0,1): the expert-selection bias {@code exp_probs_b} */
        BIAS,
        /** N(0,1)/sqrt(hidden) × 4: the LM head, so logits have std ≈ 4 and are not flat */
        HEAD
    }

    public TensorSpec {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public static TensorSpec linear(String name, long... dims) {
        return new TensorSpec(name, dims, Init.LINEAR, dims[0]);
    }

    public static TensorSpec norm(String name, long n) {
        return new TensorSpec(name, new long[]{n}, Init.NORM, 0);
    }

    public long rowLength() {
        return dims[0];
    }

    public long rows() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) n = Math.multiplyExact(n, dims[i]);
        return n;
    }

    public long elementCount() {
        return Math.multiplyExact(rows(), dims[0]);
    }
}
