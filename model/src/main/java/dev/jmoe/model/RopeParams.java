package dev.jmoe.model;

import dev.jmoe.gguf.GgufMetadata;

/**
 * RoPE settings from the {@code <arch>.rope.*} keys, resolved as llama.cpp does (llama-model.cpp hparams loading,
 * llama-context.cpp cparams): scaling type (default linear), {@code freq_scale = 1/rope.scaling.factor} (1 when
 * absent or type none), {@code ext_factor} 1 for YaRN else 0, and YaRN's {@code attn_factor}:
 * {@code get_mscale(f, mscale) / get_mscale(f, mscale_all_dim) / (1 + 0.1·ln f) · rope.scaling.attn_factor} with
 * {@code get_mscale(f, m) = 1 + 0.1·m·ln f}, {@code mscale_all_dim = yarn_log_multiplier / 0.1} and, for deepseek2
 * only, {@code mscale = mscale_all_dim} when that is not 1 (else 1).
 *
 * @param logMul {@code rope.scaling.yarn_log_multiplier / 0.1} (0 when absent): deepseek2's mscale_all_dim
 */
record RopeParams(int nRot, float freqBase, float freqScale, float extFactor, float attnFactor, int nCtxOrig,
                  float betaFast, float betaSlow, float logMul) {

    static RopeParams read(GgufMetadata m, String arch, int nRot, int nCtxTrain) {
        String p = arch + ".rope.";
        float base = m.getFloat(p + "freq_base", 10000f);
        String type = m.getString(p + "scaling.type", "linear");
        float factor = m.has(p + "scaling.factor") ? m.getFloat(p + "scaling.factor") : m.getFloat(p + "scale_linear", 0f);
        float freqScale = factor == 0f ? 1f : 1f / factor;
        if (type.equals("none")) freqScale = 1f;
        boolean yarn = type.equals("yarn");
        if (!yarn && !type.equals("none") && !type.equals("linear")) {
            throw new ModelFormatException("rope scaling type '" + type + "' (" + p + "scaling.type) is not supported");
        }
        float ext = m.getFloat(p + "scaling.yarn_ext_factor", -1f);
        if (ext < 0) ext = yarn ? 1f : 0f;
        float attn = m.getFloat(p + "scaling.yarn_attn_factor", 1f);
        float logMul = m.has(p + "scaling.yarn_log_multiplier") ? m.getFloat(p + "scaling.yarn_log_multiplier") / 0.1f : 0f;
        if (ext != 0) {
            float f = 1f / freqScale;
            if (logMul != 0f) {
                float mscale = 1f;
                if (arch.equals("deepseek2") && logMul != 1f) mscale = logMul;
                attn = mscale(f, mscale) / mscale(f, logMul);
            } else {
                attn = mscale(f, 1f);
            }
            attn *= 1f / (1f + 0.1f * (float) Math.log(f));
        }
        attn *= m.getFloat(p + "scaling.attn_factor", 1f);
        int orig = m.getInt(p + "scaling.original_context_length", nCtxTrain);
        float betaFast = m.getFloat(p + "scaling.yarn_beta_fast", 32f);
        float betaSlow = m.getFloat(p + "scaling.yarn_beta_slow", 1f);
        return new RopeParams(nRot, base, freqScale, ext, attn, orig, betaFast, betaSlow, logMul);
    }

    private static float mscale(float scale, float m) {
        return scale <= 1f ? 1f : 0.1f * m * (float) Math.log(scale) + 1f;
    }

    Rope rope(boolean neox, float[] freqFactors) {
        return new Rope(nRot, neox, freqBase, freqScale, extFactor, attnFactor, nCtxOrig, betaFast, betaSlow, freqFactors);
    }
}
