package dev.jmoe.model;

/**
 * Rotary position embedding with YaRN, as ggml-cpu's {@code rope_f32} computes it (ops.cpp: {@code rope_yarn},
 * {@code ggml_rope_cache_init}; ggml.c: {@code ggml_rope_yarn_corr_dims}).
 *
 * <p>Per pair i (dimension index i0 = 2i): {@code theta_extrap = pos · base^(-i0/n_rot)} (a running float product, as
 * ggml), {@code theta_interp = freq_scale · theta_extrap}; with {@code ext_factor != 0} the two are mixed by a ramp
 * over the correction dims and the magnitude is scaled by {@code 1 + 0.1·ln(1/freq_scale)}; cos and sin are
 * multiplied by {@code attn_factor} (mscale). NORMAL pairs adjacent values {@code (x[2i], x[2i+1])} (llama,
 * deepseek2); NEOX pairs {@code (x[i], x[i + n_rot/2])} (qwen2). Values past n_rot pass unchanged.
 */
final class Rope {
    final int nRot;
    final boolean neox;
    private final float freqScale;
    private final float extFactor;
    private final float attnFactor;
    private final float thetaScale;
    private final float corrLow;
    private final float corrHigh;
    private final float[] freqFactors;

    /**
     * @param nRot        rotated dims per head ({@code rope.dimension_count})
     * @param freqBase    {@code rope.freq_base}
     * @param freqScale   1 / scaling factor (1 without scaling)
     * @param extFactor   YaRN extrapolation mix (1 with YaRN, 0 otherwise)
     * @param attnFactor  llama.cpp's {@code yarn_attn_factor} after its adjustments (1 without YaRN)
     * @param nCtxOrig    {@code rope.scaling.original_context_length} (or the trained context)
     * @param betaFast    YaRN beta_fast (32)
     * @param betaSlow    YaRN beta_slow (1)
     * @param freqFactors per-pair divisors of theta ({@code rope_freqs.weight}, Llama 3) or null
     */
    Rope(int nRot, boolean neox, float freqBase, float freqScale, float extFactor, float attnFactor, int nCtxOrig,
         float betaFast, float betaSlow, float[] freqFactors) {
        if (nRot % 2 != 0) throw new ModelFormatException("rope dimension count " + nRot + " is odd");
        this.nRot = nRot;
        this.neox = neox;
        this.freqScale = freqScale;
        this.extFactor = extFactor;
        this.attnFactor = attnFactor;
        this.thetaScale = (float) Math.pow(freqBase, -2.0f / nRot);
        this.corrLow = Math.max(0, (float) Math.floor(corrDim(nRot, nCtxOrig, betaFast, freqBase)));
        this.corrHigh = Math.min(nRot - 1, (float) Math.ceil(corrDim(nRot, nCtxOrig, betaSlow, freqBase)));
        this.freqFactors = freqFactors;
    }

    /** The dimension at which a wavelength spans {@code nRotations} turns over the original context. */
    private static float corrDim(int nDims, int nCtxOrig, float nRotations, float base) {
        return nDims * (float) Math.log(nCtxOrig / (nRotations * 2 * (float) Math.PI)) / (2 * (float) Math.log(base));
    }

    /** Fills {@code cos[off + i], sin[off + i]} for the nRot/2 pairs at position {@code pos}. */
    void angles(int pos, float[] cos, float[] sin, int off) {
        float theta = pos;
        for (int i0 = 0; i0 < nRot; i0 += 2) {
            float ff = freqFactors != null ? freqFactors[i0 / 2] : 1.0f;
            float thetaExtrap = theta / ff;
            float thetaInterp = freqScale * thetaExtrap;
            float t = thetaInterp;
            float mscale = attnFactor;
            if (extFactor != 0.0f) {
                float rampMix = ramp(i0) * extFactor;
                t = thetaInterp * (1 - rampMix) + thetaExtrap * rampMix;
                mscale *= 1.0f + 0.1f * (float) Math.log(1.0f / freqScale);
            }
            cos[off + i0 / 2] = (float) Math.cos(t) * mscale;
            sin[off + i0 / 2] = (float) Math.sin(t) * mscale;
            theta *= thetaScale;
        }
    }

    private float ramp(int i0) {
        float y = (i0 / 2 - corrLow) / Math.max(0.001f, corrHigh - corrLow);
        return 1 - Math.min(1, Math.max(0, y));
    }

    /** Rotates {@code x[off .. off + nRot)} in place with the angles at {@code cos/sin[aOff ..]}. */
    void rotate(float[] x, int off, float[] cos, float[] sin, int aOff) {
        int half = nRot / 2;
        for (int i = 0; i < half; i++) {
            int a = neox ? off + i : off + 2 * i;
            int b = neox ? off + i + half : off + 2 * i + 1;
            float c = cos[aOff + i], s = sin[aOff + i];
            float x0 = x[a], x1 = x[b];
            x[a] = x0 * c - x1 * s;
            x[b] = x0 * s + x1 * c;
        }
    }
}
