package dev.jmoe.model;

/**
 * Debug hook: sees named intermediates of a forward pass (llama.cpp's {@code cb(cur, name, il)} names), e.g.
 * {@code attn_norm}, {@code q}, {@code kv_cmpr}, {@code attn_out}, {@code ffn_moe_out}, {@code l_out}, {@code result_norm}.
 * Data is valid only during the call: copy what you keep.
 */
@FunctionalInterface
public interface Probe {
    /**
     * @param layer  layer index, -1 outside the layers
     * @param name   intermediate name
     * @param data   buffer holding {@code tokens} rows of {@code width} floats from {@code data[0]}
     */
    void tensor(int layer, String name, float[] data, int tokens, int width);
}
