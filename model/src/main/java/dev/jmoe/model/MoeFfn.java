package dev.jmoe.model;

import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.ProductBatch;
import java.util.Arrays;

/**
 * Routed experts of one MoE layer ({@code build_moe_ffn}): each token's chosen experts run a SwiGLU FFN, outputs
 * weighted by the router and summed in selection order (as llama.cpp adds them). The batch's tokens are grouped per
 * expert, so each chosen expert's weights are read once per micro-batch (a matmul over its tokens); all chosen
 * experts' products run in two pool dispatches ({@link ProductBatch}: gate and up, then down).
 */
final class MoeFfn {
    final Router router;
    private final Matrix[] gate, up, down; // per expert views of {n_embd, n_ff_exp, n_expert} / {n_ff_exp, n_embd, n_expert}
    private final int nEmbd, nFf, nUsed;

    // scratch for the largest batch B
    private final int[] ids;        // [B, K]
    private final float[] weights;  // [B, K]
    private final int[] count;      // [n_expert]
    private final int[] start;      // [n_expert + 1]
    private final int[] slots;      // [B*K] slot indices (t*K + k) grouped by expert: position p holds slot slots[p]
    private final int[] position;   // [B*K] the inverse: slot → position p
    private final Scratch scratch;  // the model's: xe, ge, ue

    /**
     * The expert activations, shared by all MoE layers of a model (they run one after another): 60 MB a layer for
     * Moonlight at a 512-token micro-batch, 1.6 GB over its 26 layers had each its own.
     */
    static final class Scratch {
        final int maxBatch;
        float[] xe = new float[0];       // [B*K, n_embd] inputs of experts with several tokens, in expert order; then the outputs
        float[] ge = new float[0], ue = ge; // [B*K, n_ff_exp]

        Scratch(int maxBatch) {
            this.maxBatch = maxBatch;
        }

        void reserve(int embd, int ff) {
            if (xe.length < embd) xe = new float[embd];
            if (ge.length < ff) ge = new float[ff];
            if (ue.length < ff) ue = new float[ff];
        }
    }

    MoeFfn(Router router, Matrix gateExps, Matrix upExps, Matrix downExps, int nExpert, Scratch scratch) {
        this(router, views(gateExps, nExpert, 0, 1), views(upExps, nExpert, 0, 1), views(downExps, nExpert, 0, 1), scratch);
        if (gateExps.rows() != upExps.rows() || upExps.cols() != gateExps.cols()) {
            throw new ModelFormatException("expert tensors " + gateExps.name() + " and " + upExps.name() + " differ in shape");
        }
    }

    /** Experts whose gate and up live in one fused tensor {@code {n_embd, 2·n_ff, n_expert}} (gate rows first). */
    static MoeFfn fused(Router router, Matrix gateUpExps, Matrix downExps, int nExpert, Scratch scratch) {
        return new MoeFfn(router, views(gateUpExps, nExpert, 0, 2), views(gateUpExps, nExpert, 1, 2), views(downExps, nExpert, 0, 1), scratch);
    }

    /** Per-expert views of a merged 3-D tensor; with {@code parts > 1} the part-th slice of each expert's rows. */
    private static Matrix[] views(Matrix merged, int nExpert, int part, int parts) {
        if (merged.rows() % (nExpert * parts) != 0) throw new ModelFormatException(merged.name() + " rows " + merged.rows() + " are not a multiple of " + nExpert + " experts");
        int per = merged.rows() / nExpert, slice = per / parts;
        Matrix[] v = new Matrix[nExpert];
        for (int e = 0; e < nExpert; e++) v[e] = merged.expert(e, per).rows(part * slice, slice);
        return v;
    }

    private MoeFfn(Router router, Matrix[] gate, Matrix[] up, Matrix[] down, Scratch scratch) {
        this.router = router;
        this.nUsed = router.nUsed;
        int nExpert = gate.length;
        this.nEmbd = gate[0].cols();
        this.nFf = gate[0].rows();
        if (up[0].cols() != nEmbd || up[0].rows() != nFf || down[0].cols() != nFf || down[0].rows() != nEmbd) {
            throw new ModelFormatException("expert tensors " + gate[0].name() + ", " + up[0].name() + ", " + down[0].name() + " do not match");
        }
        if (router.nExpert != nExpert) throw new ModelFormatException(router.gateInp.name() + " routes " + router.nExpert + " experts, expected " + nExpert);
        this.gate = gate;
        this.up = up;
        this.down = down;
        int maxBatch = scratch.maxBatch;
        ids = new int[maxBatch * nUsed];
        weights = new float[maxBatch * nUsed];
        count = new int[nExpert];
        start = new int[nExpert + 1];
        slots = new int[maxBatch * nUsed];
        position = new int[maxBatch * nUsed];
        this.scratch = scratch;
        scratch.reserve(maxBatch * nUsed * nEmbd, maxBatch * nUsed * nFf);
    }

    int expertHidden() {
        return nFf;
    }

    /** Experts chosen for token t of the last batch (slot k, best first): for tests and probes. */
    int chosen(int t, int k) {
        return ids[t * nUsed + k];
    }

    /**
     * @param h   [n, n_embd] normalized hidden states
     * @param out [n, n_embd] Σ_k w_k · expert_k(h)
     */
    void forward(MatVec mv, float[] h, int n, float[] out) {
        float[] xe = scratch.xe, ge = scratch.ge, ue = scratch.ue;
        router.route(mv, h, n, ids, weights);
        // group the (token, slot) pairs by expert
        Arrays.fill(count, 0);
        for (int i = 0; i < n * nUsed; i++) count[ids[i]]++;
        start[0] = 0;
        for (int e = 0; e < count.length; e++) start[e + 1] = start[e] + count[e];
        Arrays.fill(count, 0);
        for (int i = 0; i < n * nUsed; i++) {
            int e = ids[i];
            slots[start[e] + count[e]++] = i;
        }
        int total = n * nUsed;
        for (int p = 0; p < total; p++) position[slots[p]] = p;
        // every chosen expert's gate and up in one dispatch, then every down in another: the experts are small. An
        // expert with one token reads it in place from h, so experts sharing a token (all of them at decode) share
        // one activation quantization; an expert with several gets them gathered into xe.
        ProductBatch b = mv.batch();
        for (int e = 0; e < count.length; e++) {
            int c = count[e], p0 = start[e];
            if (c == 0) continue;
            float[] x = h;
            int xOff = (slots[p0] / nUsed) * nEmbd;
            if (c > 1) {
                for (int p = p0; p < p0 + c; p++) System.arraycopy(h, (slots[p] / nUsed) * nEmbd, xe, p * nEmbd, nEmbd);
                x = xe;
                xOff = p0 * nEmbd;
            }
            b.add(gate[e], x, xOff, c, ge, p0 * nFf); // ge: [c, n_ff_exp]
            b.add(up[e], x, xOff, c, ue, p0 * nFf);
        }
        b.run();
        for (int i = 0; i < total * nFf; i++) ge[i] = Ffn.silu(ge[i]) * ue[i];
        b = mv.batch();
        for (int e = 0; e < count.length; e++) {
            if (count[e] > 0) b.add(down[e], ge, start[e] * nFf, count[e], xe, start[e] * nEmbd); // xe: [c, n_embd] outputs
        }
        b.run();
        // weighted outputs summed in selection order, as ggml adds the expert views
        for (int t = 0; t < n; t++) {
            int o = t * nEmbd;
            for (int k = 0; k < nUsed; k++) {
                int slot = t * nUsed + k, d0 = position[slot] * nEmbd;
                float w = weights[slot];
                if (k == 0) for (int i = 0; i < nEmbd; i++) out[o + i] = xe[d0 + i] * w;
                else for (int i = 0; i < nEmbd; i++) out[o + i] += xe[d0 + i] * w;
            }
        }
    }
}
