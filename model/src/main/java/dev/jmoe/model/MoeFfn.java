package dev.jmoe.model;

import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import java.util.Arrays;

/**
 * Routed experts of one MoE layer ({@code build_moe_ffn}): each token's chosen experts run a SwiGLU FFN, outputs
 * weighted by the router and summed in selection order (as llama.cpp adds them). The batch's tokens are grouped per
 * expert, so each chosen expert's weights are read once per micro-batch ({@link MatVec#matmul} over its tokens).
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
    private final int[] slots;      // [B*K] slot indices (t*K + k) grouped by expert
    private final float[] xe;       // [B, n_embd] gathered inputs of one expert
    private final float[] ge, ue;   // [B, n_ff_exp]
    private final float[] de;       // [B, n_embd]
    private final float[] slotOut;  // [B*K, n_embd] weighted expert outputs per (token, slot)

    MoeFfn(Router router, Matrix gateExps, Matrix upExps, Matrix downExps, int nExpert, int maxBatch) {
        this.router = router;
        this.nUsed = router.nUsed;
        this.nEmbd = gateExps.cols();
        if (gateExps.rows() % nExpert != 0) throw new ModelFormatException(gateExps.name() + " rows " + gateExps.rows() + " are not a multiple of " + nExpert + " experts");
        this.nFf = gateExps.rows() / nExpert;
        if (upExps.cols() != nEmbd || upExps.rows() != nFf * nExpert || downExps.cols() != nFf || downExps.rows() != nEmbd * nExpert) {
            throw new ModelFormatException("expert tensors " + gateExps.name() + ", " + upExps.name() + ", " + downExps.name() + " do not match");
        }
        if (router.nExpert != nExpert) throw new ModelFormatException(router.gateInp.name() + " routes " + router.nExpert + " experts, expected " + nExpert);
        gate = new Matrix[nExpert];
        up = new Matrix[nExpert];
        down = new Matrix[nExpert];
        for (int e = 0; e < nExpert; e++) {
            gate[e] = gateExps.expert(e, nFf);
            up[e] = upExps.expert(e, nFf);
            down[e] = downExps.expert(e, nEmbd);
        }
        ids = new int[maxBatch * nUsed];
        weights = new float[maxBatch * nUsed];
        count = new int[nExpert];
        start = new int[nExpert + 1];
        slots = new int[maxBatch * nUsed];
        xe = new float[maxBatch * nEmbd];
        ge = new float[maxBatch * nFf];
        ue = new float[maxBatch * nFf];
        de = new float[maxBatch * nEmbd];
        slotOut = new float[maxBatch * nUsed * nEmbd];
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
        for (int e = 0; e < count.length; e++) {
            int c = count[e];
            if (c == 0) continue;
            for (int j = 0; j < c; j++) System.arraycopy(h, (slots[start[e] + j] / nUsed) * nEmbd, xe, j * nEmbd, nEmbd);
            Ffn.swiglu(mv, gate[e], up[e], xe, c, ge, ue);  // ge: [c, n_ff_exp]
            mv.matmul(down[e], ge, c, de);                  // de: [c, n_embd]
            for (int j = 0; j < c; j++) {
                int slot = slots[start[e] + j];
                float w = weights[slot];
                int so = slot * nEmbd, d0 = j * nEmbd;
                for (int i = 0; i < nEmbd; i++) slotOut[so + i] = de[d0 + i] * w;
            }
        }
        // sum the slots in selection order, as ggml adds the expert views
        for (int t = 0; t < n; t++) {
            int o = t * nEmbd;
            System.arraycopy(slotOut, t * nUsed * nEmbd, out, o, nEmbd);
            for (int k = 1; k < nUsed; k++) {
                int so = (t * nUsed + k) * nEmbd;
                for (int i = 0; i < nEmbd; i++) out[o + i] += slotOut[so + i];
            }
        }
    }
}
