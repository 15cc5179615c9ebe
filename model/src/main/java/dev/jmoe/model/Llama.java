package dev.jmoe.model;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.tensor.Matrix;

/**
 * {@code general.architecture = llama} (Llama 2/3, Mistral, Mixtral MoE, TinyStories) and {@code qwen2} (NeoX RoPE,
 * q/k/v biases): llama.cpp's {@code src/models/llama.cpp} — RMSNorm, GQA attention with RoPE, SwiGLU FFN or
 * softmax top-k MoE with renormalized weights.
 */
final class Llama extends DecoderModel {

    /** Hyperparameters from the {@code <arch>.*} keys. */
    record Config(String arch, int nLayer, int nEmbd, int nHead, int nKv, int headDim, int nFf, int nExpert, int nUsed,
                  float wScale, float eps, boolean neox, RopeParams ropeParams, float kqScale) {

        static Config read(GgufMetadata m, String arch, int expertsOverride) {
            String a = arch + ".";
            int nEmbd = m.getInt(a + "embedding_length"), nHead = m.getInt(a + "attention.head_count");
            int headDim = m.getInt(a + "attention.key_length", nEmbd / nHead);
            if (m.getInt(a + "attention.value_length", headDim) != headDim) throw new ModelFormatException(arch + ": key and value head sizes differ");
            int nRot = m.getInt(a + "rope.dimension_count", headDim);
            int nExpert = m.getInt(a + "expert_count", 0);
            int nUsed = expertsOverride > 0 ? expertsOverride : m.getInt(a + "expert_used_count", 0);
            if (nExpert > 0 && nUsed > nExpert) throw new IllegalArgumentException("--experts " + nUsed + " exceeds the model's " + nExpert + " experts");
            float scale = m.getFloat(a + "attention.scale", 0f);
            return new Config(arch, m.getInt(a + "block_count"), nEmbd, nHead, m.getInt(a + "attention.head_count_kv", nHead), headDim,
                    m.getInt(a + "feed_forward_length"), nExpert, nUsed, m.getFloat(a + "expert_weights_scale", 0f),
                    m.getFloat(a + "attention.layer_norm_rms_epsilon"), arch.equals("qwen2"),
                    RopeParams.read(m, arch, nRot, m.getInt(a + "context_length")),
                    scale != 0f ? scale : 1.0f / (float) Math.sqrt(headDim));
        }
    }

    /** One layer's weights, named for their GGUF roles. */
    static final class Layer {
        float[] attnNorm, ffnNorm;
        Matrix wq, wk, wv, wo;           // attn_q {n_embd, n_head*hd}, attn_k/v {n_embd, n_kv*hd}, attn_output
        float[] bq, bk, bv, bo;          // optional biases (Qwen2: q, k, v)
        GqaAttention attn;
        Ffn ffn;                         // dense FFN, or
        MoeFfn moe;                      // Mixtral experts
    }

    private final Config c;
    private final Layer[] layer;
    private final float[] outputNorm;
    private final Rope rope;
    private final float[] x, h, q, k, v, attn, o, g, u, f, cos, sin;

    Llama(GgufFile file, ModelInfo info, Config c, Layer[] layer, float[] outputNorm, float[] ropeFreqs, Matrix tokEmbd, Matrix output, int ctx, LoadOptions opt) {
        super(file, info, c.nEmbd(), tokEmbd, output, ctx, opt);
        this.c = c;
        this.layer = layer;
        this.outputNorm = outputNorm;
        this.rope = c.ropeParams().rope(c.neox(), ropeFreqs);
        int b = maxBatch, qDim = c.nHead() * c.headDim(), kvDim = c.nKv() * c.headDim();
        int ff = c.nFf();
        for (Layer l : layer) if (l.moe != null) ff = Math.max(ff, l.moe.expertHidden());
        x = new float[b * c.nEmbd()];
        h = new float[b * c.nEmbd()];
        q = new float[b * qDim];
        k = new float[b * kvDim];
        v = new float[b * kvDim];
        attn = new float[b * qDim];
        o = new float[b * c.nEmbd()];
        g = new float[b * ff];
        u = new float[b * ff];
        f = new float[b * c.nEmbd()];
        cos = new float[b * rope.nRot / 2];
        sin = new float[b * rope.nRot / 2];
    }

    @Override
    public long kvCacheBytes() {
        long s = 0;
        for (Layer l : layer) s += l.attn.cacheBytes();
        return s;
    }

    @Override
    protected void layers(int[] tokens, int off, int n, int[] slot, int[] pos) {
        final int E = c.nEmbd(), H = c.nHead(), KV = c.nKv(), hd = c.headDim(), nr = rope.nRot;
        final int qDim = H * hd, kvDim = KV * hd;

        embed(tokens, off, n, x);                                       // x: [n, n_embd]
        for (int t = 0; t < n; t++) rope.angles(pos[t], cos, sin, t * nr / 2);

        for (int il = 0; il < layer.length; il++) {
            Layer ly = layer[il];
            // ---- attention ----
            RmsNorm.rows(x, ly.attnNorm, c.eps(), h, n, E);             // h: [n, n_embd]
            emit(il, "attn_norm", h, n, E);
            mv.batch().add(ly.wq, h, 0, n, q, 0)                        // q: [n, n_head, hd]
                    .add(ly.wk, h, 0, n, k, 0)                          // k: [n, n_kv, hd]
                    .add(ly.wv, h, 0, n, v, 0).run();                   // v: [n, n_kv, hd]
            addBias(q, ly.bq, n);
            addBias(k, ly.bk, n);
            addBias(v, ly.bv, n);
            for (int t = 0; t < n; t++) {
                int a = t * nr / 2;
                for (int hh = 0; hh < H; hh++) rope.rotate(q, t * qDim + hh * hd, cos, sin, a);
                for (int hh = 0; hh < KV; hh++) rope.rotate(k, t * kvDim + hh * hd, cos, sin, a);
            }
            emit(il, "Qcur", q, n, qDim);
            emit(il, "Kcur", k, n, kvDim);
            ly.attn.store(k, v, n, slot, pos);                          // cache[slot[t]][pos[t]] = k, v
            ly.attn.attend(q, n, slot, pos, c.kqScale(), attn);         // attn: [n, n_head * hd]
            mv.matmul(ly.wo, attn, n, o);                               // o: [n, n_embd]
            addBias(o, ly.bo, n);
            emit(il, "attn_out", o, n, E);
            for (int i = 0; i < n * E; i++) x[i] += o[i];               // x = ffn_inp
            // ---- feed-forward ----
            RmsNorm.rows(x, ly.ffnNorm, c.eps(), h, n, E);              // h: [n, n_embd]
            emit(il, "ffn_norm", h, n, E);
            if (ly.moe != null) ly.moe.forward(mv, h, n, f);            // f: [n, n_embd]
            else ly.ffn.forward(mv, h, n, g, u, f);
            emit(il, "ffn_out", f, n, E);
            for (int i = 0; i < n * E; i++) x[i] += f[i];               // x = l_out
            emit(il, "l_out", x, n, E);
        }
        RmsNorm.rows(x, outputNorm, c.eps(), out, n, E);                // out: [n, n_embd]
        emit(-1, "result_norm", out, n, E);
    }

    private static void addBias(float[] y, float[] b, int n) {
        if (b == null) return;
        for (int t = 0; t < n; t++) for (int i = 0; i < b.length; i++) y[t * b.length + i] += b[i];
    }
}
