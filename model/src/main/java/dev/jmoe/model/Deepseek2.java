package dev.jmoe.model;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.tensor.Matrix;

/**
 * {@code general.architecture = deepseek2}: DeepSeek-V3/R1, V2, V2-Lite, Moonlight, Kimi-K2 — one forward pass with
 * switches from metadata, as llama.cpp's {@code src/models/deepseek2.cpp}: compressed q ({@code attn_q_a}, norm,
 * {@code attn_q_b}) or plain {@code attn_q}; MLA in the absorbed form ({@link Mla}); leading dense layers, then MoE
 * layers with shared experts ({@link MoeFfn}, {@link Router}: V3 sigmoid + selection bias + groups, V2 softmax).
 */
final class Deepseek2 extends DecoderModel {

    /** Hyperparameters from the {@code deepseek2.*} keys. */
    record Config(int nLayer, int nEmbd, int nHead, int qLora, int kvLora, int nope, int rope, int vHead, int nDenseLead,
                  int nFf, int nExpert, int nUsed, int nShared, int nFfExp, int nGroup, int nGroupUsed, float wScale,
                  boolean wNorm, Router.Gating gating, float eps, int nCtxTrain, RopeParams ropeParams, float kqScale) {

        static Config read(GgufMetadata m, int expertsOverride) {
            String a = "deepseek2.";
            int nRot = m.getInt(a + "rope.dimension_count");
            int kLen = m.has(a + "attention.key_length_mla") ? m.getInt(a + "attention.key_length_mla") : m.getInt(a + "attention.key_length");
            int vLen = m.has(a + "attention.value_length_mla") ? m.getInt(a + "attention.value_length_mla") : m.getInt(a + "attention.value_length");
            int nCtxTrain = m.getInt(a + "context_length");
            RopeParams rp = RopeParams.read(m, "deepseek2", nRot, nCtxTrain);
            // kq_scale as deepseek2.cpp: undo llama_hparams' YaRN attn_factor adjustment, then mscale² / sqrt(nope + rope)
            float lnInv = (float) Math.log(1.0f / rp.freqScale());
            float attnFactorOrg = rp.attnFactor() * (1.0f + 0.1f * lnInv);
            float mscale = attnFactorOrg * (1.0f + 0.1f * rp.logMul() * lnInv);
            float kqScale = mscale * mscale / (float) Math.sqrt(kLen);
            int gating = m.getInt(a + "expert_gating_func", 1);
            if (gating != 1 && gating != 2) throw new ModelFormatException("deepseek2.expert_gating_func = " + gating + " is not supported (1 softmax, 2 sigmoid)");
            int nExpert = m.getInt(a + "expert_count", 0);
            int nUsed = expertsOverride > 0 ? expertsOverride : m.getInt(a + "expert_used_count", 0);
            if (nExpert > 0 && nUsed > nExpert) throw new IllegalArgumentException("--experts " + nUsed + " exceeds the model's " + nExpert + " experts");
            // files with next-token-prediction (MTP) layers append them after the main layers; they are not run here
            int nLayer = m.getInt(a + "block_count") - m.getInt(a + "nextn_predict_layers", 0);
            return new Config(nLayer, m.getInt(a + "embedding_length"), m.getInt(a + "attention.head_count"),
                    m.getInt(a + "attention.q_lora_rank", 0), m.getInt(a + "attention.kv_lora_rank"), kLen - nRot, nRot, vLen,
                    m.getInt(a + "leading_dense_block_count", 0), m.getInt(a + "feed_forward_length"), nExpert, nUsed,
                    m.getInt(a + "expert_shared_count", 0), m.getInt(a + "expert_feed_forward_length", 0),
                    m.getInt(a + "expert_group_count", 1), m.getInt(a + "expert_group_used_count", 1),
                    m.getFloat(a + "expert_weights_scale", 0f), m.getBool(a + "expert_weights_norm", false),
                    gating == 2 ? Router.Gating.SIGMOID : Router.Gating.SOFTMAX,
                    m.getFloat(a + "attention.layer_norm_rms_epsilon"), nCtxTrain, rp, kqScale);
        }
    }

    /** One layer's weights, named for their GGUF roles. */
    static final class Layer {
        float[] attnNorm, qANorm, kvANorm, ffnNorm;
        Matrix wqA, wqB, wq;   // q_lora: attn_q_a {n_embd, q_lora}, attn_q_b {q_lora, n_head*(nope+rope)}; else attn_q
        Matrix wkvA;           // attn_kv_a_mqa {n_embd, kv_lora + rope}
        Matrix wo;             // attn_output {n_head*v_head, n_embd}
        Mla mla;               // attn_k_b / attn_v_b and this layer's latent cache
        Ffn dense;             // leading dense layers
        MoeFfn moe;            // MoE layers
        Ffn shared;            // shared experts (MoE layers), may be null
    }

    private final Config c;
    private final Layer[] layer;
    private final float[] outputNorm;
    private final Rope rope;
    // activations for a micro-batch of B tokens
    private final float[] x, h, qa, q, kvPe, attn, o, g, u, f, sh; // see forward for shapes
    private final float[] cos, sin; // [B, rope/2] angles of each token's position

    Deepseek2(GgufFile file, ModelInfo info, Config c, Layer[] layer, float[] outputNorm, Matrix tokEmbd, Matrix output, int ctx, LoadOptions opt) {
        super(file, info, c.nEmbd(), tokEmbd, output, ctx, opt);
        this.c = c;
        this.layer = layer;
        this.outputNorm = outputNorm;
        this.rope = c.ropeParams().rope(false, null);
        int b = maxBatch, qDim = c.nHead() * (c.nope() + c.rope());
        int ffMax = Math.max(c.nFf(), Math.max(c.nFfExp() * Math.max(1, c.nShared()), c.nFfExp()));
        x = new float[b * c.nEmbd()];
        h = new float[b * c.nEmbd()];
        qa = new float[b * Math.max(1, c.qLora())];
        q = new float[b * qDim];
        kvPe = new float[b * (c.kvLora() + c.rope())];
        attn = new float[b * c.nHead() * c.vHead()];
        o = new float[b * c.nEmbd()];
        g = new float[b * ffMax];
        u = new float[b * ffMax];
        f = new float[b * c.nEmbd()];
        sh = new float[b * c.nEmbd()];
        cos = new float[b * c.rope() / 2];
        sin = new float[b * c.rope() / 2];
    }

    Config config() {
        return c;
    }

    @Override
    public long kvCacheBytes() {
        long s = 0;
        for (Layer l : layer) s += l.mla.cacheBytes();
        return s;
    }

    @Override
    protected void layers(int[] tokens, int off, int n, int[] slot, int[] pos) {
        final int E = c.nEmbd(), H = c.nHead(), nope = c.nope(), nr = c.rope(), L = c.kvLora();
        final int qDim = H * (nope + nr), kvDim = L + nr;

        embed(tokens, off, n, x);                                   // x: [n, n_embd]
        for (int t = 0; t < n; t++) rope.angles(pos[t], cos, sin, t * nr / 2);

        for (int il = 0; il < layer.length; il++) {
            Layer ly = layer[il];
            // ---- attention ----
            RmsNorm.rows(x, ly.attnNorm, c.eps(), h, n, E);         // h: [n, n_embd]
            emit(il, "attn_norm", h, n, E);
            // the two products of h in one dispatch
            mv.batch().add(ly.wq == null ? ly.wqA : ly.wq, h, 0, n, ly.wq == null ? qa : q, 0) // qa: [n, q_lora] or q
                    .add(ly.wkvA, h, 0, n, kvPe, 0).run();          // kvPe: [n, kv_lora + rope] = kv_cmpr | k_pe
            if (ly.wq == null) {
                RmsNorm.rows(qa, ly.qANorm, c.eps(), qa, n, c.qLora());
                mv.matmul(ly.wqB, qa, n, q);                        // q: [n, n_head, nope + rope]
            }
            emit(il, "q", q, n, qDim);
            for (int t = 0; t < n; t++) {
                int a = t * nr / 2;
                for (int hd = 0; hd < H; hd++) rope.rotate(q, t * qDim + hd * (nope + nr) + nope, cos, sin, a); // q_pe
                rope.rotate(kvPe, t * kvDim + L, cos, sin, a);                                                  // k_pe
                RmsNorm.apply(kvPe, t * kvDim, ly.kvANorm, c.eps(), kvPe, t * kvDim, L);                        // kv_cmpr
            }
            emit(il, "kv_cmpr_pe", kvPe, n, kvDim);
            ly.mla.store(kvPe, n, slot, pos);                       // cache[slot[t]][pos[t]] = kv_cmpr | k_pe
            ly.mla.attend(q, n, slot, pos, c.kqScale(), attn);      // attn: [n, n_head * v_head]
            emit(il, "kqv_out", attn, n, H * c.vHead());
            mv.matmul(ly.wo, attn, n, o);                           // o: [n, n_embd]
            emit(il, "attn_out", o, n, E);
            for (int i = 0; i < n * E; i++) x[i] += o[i];           // x = ffn_inp
            // ---- feed-forward ----
            RmsNorm.rows(x, ly.ffnNorm, c.eps(), h, n, E);          // h: [n, n_embd]
            emit(il, "ffn_norm", h, n, E);
            if (ly.dense != null) {
                ly.dense.forward(mv, h, n, g, u, f);                // f: [n, n_embd]
            } else {
                ly.moe.forward(mv, h, n, f);                        // f: [n, n_embd] routed experts
                emit(il, "ffn_moe_out", f, n, E);
                if (ly.shared != null) {
                    ly.shared.forward(mv, h, n, g, u, sh);          // sh: [n, n_embd] shared experts
                    emit(il, "ffn_shexp", sh, n, E);
                    for (int i = 0; i < n * E; i++) f[i] += sh[i];
                }
            }
            emit(il, "ffn_out", f, n, E);
            for (int i = 0; i < n * E; i++) x[i] += f[i];           // x = l_out
            emit(il, "l_out", x, n, E);
        }
        RmsNorm.rows(x, outputNorm, c.eps(), out, n, E);            // out: [n, n_embd]
        emit(-1, "result_norm", out, n, E);
    }
}
