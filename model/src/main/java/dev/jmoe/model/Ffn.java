package dev.jmoe.model;

import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;

/**
 * SwiGLU feed-forward, llama.cpp's {@code build_ffn(..., LLM_FFN_SILU, LLM_FFN_PAR)}:
 * {@code down · (silu(gate · h) ⊙ (up · h))}. Used for dense layers and shared experts; {@link MoeFfn} runs the same
 * math per routed expert.
 */
final class Ffn {
    final Matrix gate; // {n_embd, n_ff}
    final Matrix up;   // {n_embd, n_ff}
    final Matrix down; // {n_ff, n_embd}

    Ffn(Matrix gate, Matrix up, Matrix down) {
        if (gate.cols() != up.cols() || gate.rows() != up.rows() || down.cols() != up.rows() || down.rows() != up.cols()) {
            throw new ModelFormatException("FFN shapes do not match: " + gate.name() + " " + gate.cols() + "x" + gate.rows() + ", "
                    + up.name() + " " + up.cols() + "x" + up.rows() + ", " + down.name() + " " + down.cols() + "x" + down.rows());
        }
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    int hidden() {
        return up.rows();
    }

    /**
     * {@code out[t] = down · (silu(gate · h[t]) ⊙ up · h[t])} for {@code n} tokens.
     *
     * @param h   [n, n_embd]
     * @param g   scratch [n, n_ff]
     * @param u   scratch [n, n_ff]
     * @param out [n, n_embd]
     */
    void forward(MatVec mv, float[] h, int n, float[] g, float[] u, float[] out) {
        swiglu(mv, gate, up, h, n, g, u);
        mv.matmul(down, g, n, out);
    }

    /** {@code g = silu(gate · h) ⊙ (up · h)}, [n, n_ff] — ggml_swiglu_split. Gate and up in one dispatch, one quantization of h. */
    static void swiglu(MatVec mv, Matrix gate, Matrix up, float[] h, int n, float[] g, float[] u) {
        mv.batch().add(gate, h, 0, n, g, 0).add(up, h, 0, n, u, 0).run();
        int len = n * gate.rows();
        for (int i = 0; i < len; i++) g[i] = silu(g[i]) * u[i];
    }

    /** ggml's silu: {@code x / (1 + e^-x)} in float. */
    static float silu(float x) {
        return x / (1.0f + (float) Math.exp(-x));
    }
}
