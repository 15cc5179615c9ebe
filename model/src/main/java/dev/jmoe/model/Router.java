package dev.jmoe.model;

import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;

/**
 * Expert selection as llama.cpp's {@code build_moe_ffn}: router logits {@code ffn_gate_inp · h}; probabilities by
 * softmax (DeepSeek-V2, Mixtral) or sigmoid (DeepSeek-V3); a selection bias ({@code exp_probs_b}, V3) added for
 * choosing only; group-limited choice (groups scored by the sum of their two best biased scores, the best
 * {@code groupsUsed} kept, the rest masked to −∞); top-k by biased score; weights = unbiased probabilities of the
 * chosen experts, optionally normalized to sum 1 (the sum clamped at 6.103515625e-5, the smallest normal half) and
 * scaled by {@code expert_weights_scale} (when it is neither 0 nor 1).
 */
final class Router {
    enum Gating { SOFTMAX, SIGMOID }

    static final float MIN_WEIGHT_SUM = 6.103515625e-5f;

    final Matrix gateInp; // {n_embd, n_expert}
    final float[] bias;   // [n_expert] or null
    final Gating gating;
    final int nExpert, nUsed, nGroup, nGroupUsed;
    final boolean normalize;
    final float scale;

    // scratch, sized for the largest batch
    private final float[] logits; // [B, n_expert]
    private final float[] sel;    // [n_expert] selection scores of one token
    private final float[] groupScore;
    private final boolean[] groupKept;

    Router(Matrix gateInp, float[] bias, Gating gating, int nUsed, int nGroup, int nGroupUsed, boolean normalize,
           float scale, int maxBatch) {
        this.gateInp = gateInp;
        this.bias = bias;
        this.gating = gating;
        this.nExpert = gateInp.rows();
        this.nUsed = nUsed;
        this.nGroup = Math.max(1, nGroup);
        this.nGroupUsed = nGroupUsed;
        this.normalize = normalize;
        this.scale = scale;
        if (nUsed < 1 || nUsed > nExpert) throw new ModelFormatException("experts used " + nUsed + " must be in 1.." + nExpert + " (" + gateInp.name() + ")");
        if (this.nGroup > 1 && (nExpert % this.nGroup != 0 || nGroupUsed < 1 || nGroupUsed > this.nGroup || nExpert / this.nGroup < 2)) {
            throw new ModelFormatException("expert groups " + nGroup + " (used " + nGroupUsed + ") do not fit " + nExpert + " experts");
        }
        if (this.nGroup > 1 && nUsed > nGroupUsed * (nExpert / this.nGroup)) {
            throw new ModelFormatException("experts used " + nUsed + " exceed the " + nGroupUsed * (nExpert / this.nGroup) + " experts of the kept groups");
        }
        this.logits = new float[maxBatch * nExpert];
        this.sel = new float[nExpert];
        this.groupScore = new float[this.nGroup];
        this.groupKept = new boolean[this.nGroup];
    }

    /**
     * Routes {@code n} tokens.
     *
     * @param h       [n, n_embd] normalized hidden states
     * @param ids     out [n, nUsed] chosen experts, best first
     * @param weights out [n, nUsed] their weights
     */
    void route(MatVec mv, float[] h, int n, int[] ids, float[] weights) {
        mv.matmul(gateInp, h, n, logits); // [n, n_expert]
        for (int t = 0; t < n; t++) {
            int lo = t * nExpert;
            probabilities(logits, lo);    // in place: logits row -> probs row
            for (int e = 0; e < nExpert; e++) sel[e] = bias != null ? logits[lo + e] + bias[e] : logits[lo + e];
            if (nGroup > 1) maskGroups();
            int o = t * nUsed;
            for (int k = 0; k < nUsed; k++) {
                int best = -1;
                float bv = Float.NEGATIVE_INFINITY;
                for (int e = 0; e < nExpert; e++) {
                    if (sel[e] > bv || (best < 0 && sel[e] == bv)) {
                        bv = sel[e];
                        best = e;
                    }
                }
                ids[o + k] = best;
                weights[o + k] = logits[lo + best];
                sel[best] = Float.NaN; // taken: NaN never compares greater
            }
            if (normalize) {
                double sum = 0;
                for (int k = 0; k < nUsed; k++) sum += weights[o + k];
                float s = Math.max((float) sum, MIN_WEIGHT_SUM);
                for (int k = 0; k < nUsed; k++) weights[o + k] /= s;
            }
            if (scale != 0.0f && scale != 1.0f) for (int k = 0; k < nUsed; k++) weights[o + k] *= scale;
        }
    }

    private void probabilities(float[] x, int off) {
        if (gating == Gating.SIGMOID) {
            for (int e = 0; e < nExpert; e++) x[off + e] = 1.0f / (1.0f + (float) Math.exp(-x[off + e]));
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int e = 0; e < nExpert; e++) max = Math.max(max, x[off + e]);
        double sum = 0;
        for (int e = 0; e < nExpert; e++) {
            float v = (float) Math.exp(x[off + e] - max);
            x[off + e] = v;
            sum += v;
        }
        float inv = (float) (1.0 / sum);
        for (int e = 0; e < nExpert; e++) x[off + e] *= inv;
    }

    /** Keeps the {@code nGroupUsed} groups whose two best scores sum highest; the others' scores become −∞. */
    private void maskGroups() {
        int per = nExpert / nGroup;
        for (int g = 0; g < nGroup; g++) {
            float a = Float.NEGATIVE_INFINITY, b = Float.NEGATIVE_INFINITY;
            for (int e = g * per; e < (g + 1) * per; e++) {
                float v = sel[e];
                if (v > a) {
                    b = a;
                    a = v;
                } else if (v > b) {
                    b = v;
                }
            }
            groupScore[g] = a + b;
            groupKept[g] = false;
        }
        for (int k = 0; k < nGroupUsed; k++) {
            int best = -1;
            for (int g = 0; g < nGroup; g++) if (!groupKept[g] && (best < 0 || groupScore[g] > groupScore[best])) best = g;
            groupKept[best] = true;
        }
        for (int g = 0; g < nGroup; g++) {
            if (!groupKept[g]) for (int e = g * per; e < (g + 1) * per; e++) sel[e] = Float.NEGATIVE_INFINITY;
        }
    }
}
