package dev.jmoe.model;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.DotOrder;
import dev.jmoe.tensor.KernelWarmup;
import dev.jmoe.tensor.Layouts;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
import dev.jmoe.tensor.codec.Packed;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Opens a GGUF file and builds the forward pass its {@code general.architecture} names: {@code deepseek2} →
 * {@link Deepseek2}; {@code llama}, {@code qwen2} → {@link Llama}. Weights stay in the mapping; the KV cache and all
 * scratch are allocated here, once.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** Architectures {@link #load} accepts. */
    public static final java.util.List<String> ARCHITECTURES = java.util.List.of("deepseek2", "llama", "qwen2");

    public static LanguageModel load(Path gguf) {
        return load(gguf, LoadOptions.defaults());
    }

    /**
     * @throws ModelFormatException unsupported architecture, missing tensor or key, unsupported tensor type (each named)
     */
    public static LanguageModel load(Path gguf, LoadOptions opt) {
        Parallel owned = opt.pool() == null && opt.threads() > 0 ? new Parallel(opt.threads()) : null;
        if (owned != null) opt = opt.withPool(owned);
        GgufFile file;
        try {
            file = GgufFile.open(gguf);
        } catch (RuntimeException e) {
            if (owned != null) owned.close();
            throw e;
        }
        // FAST-order Q4_0, Q4_K, Q5_0, Q6_K and Q8_0 weights are copied into their packed layouts (where the 512-bit kernels run)
        Packer packer = opt.repack() && opt.dotOrder() == DotOrder.FAST && Packed.ENABLED
                ? new Packer(opt.poolOrCommon(), Prefault.availableBytes()) : null;
        // the kernels compile on a thread of their own while the weights are packed and paged in (KernelWarmup)
        try (KernelWarmup warmup = KernelWarmup.start(file.tensors().stream().filter(t -> t.nDims() >= 2).map(TensorInfo::type).toList(), opt.dotOrder())) {
            DecoderModel model = build(file, gguf, opt, packer);
            Prefault.touch(file, packer, opt.poolOrCommon());
            model.ownPool(owned);
            model.ownPacked(packer);
            return model;
        } catch (NoSuchElementException e) {
            closeAll(file, owned, packer);
            throw new ModelFormatException(gguf.getFileName() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(file, owned, packer);
            throw e;
        }
    }

    private static void closeAll(GgufFile file, Parallel owned, Packer packer) {
        file.close();
        if (owned != null) owned.close();
        if (packer != null) packer.close();
    }

    private static DecoderModel build(GgufFile file, Path gguf, LoadOptions opt, Packer packer) {
        GgufMetadata m = file.metadata();
        String arch = m.getString("general.architecture", null);
        if (arch == null) throw new ModelFormatException(gguf.getFileName() + " has no general.architecture key");
        return switch (arch) {
            case "deepseek2" -> deepseek2(file, opt, packer);
            case "llama", "qwen2" -> llama(file, arch, opt, packer);
            default -> throw new ModelFormatException("architecture '" + arch + "' of " + gguf.getFileName() + " is not supported (supported: " + String.join(", ", ARCHITECTURES) + ")");
        };
    }

    private static int context(LoadOptions opt, int nCtxTrain) {
        return opt.contextLength() > 0 ? opt.contextLength() : Math.min(nCtxTrain, LoadOptions.DEFAULT_MAX_CONTEXT);
    }

    private static Deepseek2 deepseek2(GgufFile file, LoadOptions opt, Packer packer) {
        Deepseek2.Config c = Deepseek2.Config.read(file.metadata(), opt.expertsUsed());
        Tensors w = new Tensors(file, packer);
        int ctx = context(opt, c.nCtxTrain());
        HeadWorkers hw = new HeadWorkers(opt.poolOrCommon(), ctx, opt.dotOrder());
        int maxBatch = Math.min(opt.maxBatch(), ctx);
        MoeFfn.Scratch moeScratch = new MoeFfn.Scratch(maxBatch); // one for all MoE layers: they run one after another
        int E = c.nEmbd(), H = c.nHead(), qk = c.nope() + c.rope();
        Deepseek2.Layer[] layers = new Deepseek2.Layer[c.nLayer()];
        for (int il = 0; il < c.nLayer(); il++) {
            String p = "blk." + il + ".";
            Deepseek2.Layer l = new Deepseek2.Layer();
            l.attnNorm = w.vector(p + "attn_norm.weight", E);
            if (w.has(p + "attn_q.weight")) {
                l.wq = w.matrix(p + "attn_q.weight", E, (long) H * qk);
            } else {
                if (c.qLora() == 0) throw new ModelFormatException("layer " + il + " has no attn_q and deepseek2.attention.q_lora_rank is absent");
                l.wqA = w.matrix(p + "attn_q_a.weight", E, c.qLora());
                l.qANorm = w.vector(p + "attn_q_a_norm.weight", c.qLora());
                l.wqB = w.matrix(p + "attn_q_b.weight", c.qLora(), (long) H * qk);
            }
            l.wkvA = w.matrix(p + "attn_kv_a_mqa.weight", E, c.kvLora() + c.rope());
            l.kvANorm = w.vector(p + "attn_kv_a_norm.weight", c.kvLora());
            Matrix[] kB = new Matrix[H], vB = new Matrix[H];
            if (w.has(p + "attn_k_b.weight")) {
                Matrix k = w.matrix(p + "attn_k_b.weight", c.nope(), c.kvLora(), H);
                Matrix v = w.matrix(p + "attn_v_b.weight", c.kvLora(), c.vHead(), H);
                for (int hd = 0; hd < H; hd++) {
                    kB[hd] = k.expert(hd, c.kvLora());
                    vB[hd] = v.expert(hd, c.vHead());
                }
            } else {
                splitKvB(w.matrix(p + "attn_kv_b.weight", c.kvLora(), (long) H * (c.nope() + c.vHead())), c, kB, vB);
            }
            l.mla = new Mla(kB, vB, c.nope(), c.rope(), c.kvLora(), c.vHead(), ctx, opt.slots(), maxBatch, opt.cacheType(), hw);
            l.wo = w.matrix(p + "attn_output.weight", (long) H * c.vHead(), E);
            l.ffnNorm = w.vector(p + "ffn_norm.weight", E);
            if (il < c.nDenseLead() || c.nExpert() == 0) {
                l.dense = new Ffn(w.matrix(p + "ffn_gate.weight", E, c.nFf()), w.matrix(p + "ffn_up.weight", E, c.nFf()), w.matrix(p + "ffn_down.weight", c.nFf(), E));
            } else {
                Matrix gateInp = w.matrix(p + "ffn_gate_inp.weight", E, c.nExpert());
                float[] bias = w.optionalVector(p + "exp_probs_b.bias", c.nExpert());
                Router r = new Router(gateInp, bias, c.gating(), c.nUsed(), c.nGroup(), c.nGroupUsed(), c.wNorm(), c.wScale(), maxBatch);
                Matrix down = w.matrix(p + "ffn_down_exps.weight", c.nFfExp(), E, c.nExpert());
                if (w.has(p + "ffn_gate_up_exps.weight")) { // fused {n_embd, 2·n_ff_exp, n_expert}: gate rows, then up rows
                    l.moe = MoeFfn.fused(r, w.matrix(p + "ffn_gate_up_exps.weight", E, 2L * c.nFfExp(), c.nExpert()), down, c.nExpert(), moeScratch);
                } else {
                    l.moe = new MoeFfn(r, w.matrix(p + "ffn_gate_exps.weight", E, c.nFfExp(), c.nExpert()), w.matrix(p + "ffn_up_exps.weight", E, c.nFfExp(), c.nExpert()),
                            down, c.nExpert(), moeScratch);
                }
                if (c.nShared() > 0) {
                    int fs = c.nFfExp() * c.nShared();
                    l.shared = new Ffn(w.matrix(p + "ffn_gate_shexp.weight", E, fs), w.matrix(p + "ffn_up_shexp.weight", E, fs), w.matrix(p + "ffn_down_shexp.weight", fs, E));
                }
            }
            layers[il] = l;
        }
        Matrix tok = w.matrix("token_embd.weight", E, -1);
        Matrix output = w.optionalMatrix("output.weight", E, tok.rows()).orElse(tok);
        return new Deepseek2(file, info(file, "deepseek2", c.nExpert(), c.nUsed(), output == tok), c, layers,
                w.vector("output_norm.weight", E), tok, output, ctx, opt);
    }

    /**
     * Legacy files hold {@code attn_kv_b {kv_lora, n_head·(nope + v_head)}}: per head, nope rows of W_k then v_head rows
     * of W_v, each of length kv_lora. The absorbed form needs {@code attn_k_b[h] = W_kᵀ} ({kv_lora rows × nope}):
     * materialized here in F32; {@code attn_v_b[h] = W_v} is a view of the rows.
     */
    static void splitKvB(Matrix kvB, Deepseek2.Config c, Matrix[] kB, Matrix[] vB) {
        int nope = c.nope(), v = c.vHead(), L = c.kvLora();
        float[] row = new float[L];
        for (int h = 0; h < kB.length; h++) {
            int base = h * (nope + v);
            MemorySegment seg = Arena.ofAuto().allocate(4L * L * nope, 4);
            for (int i = 0; i < nope; i++) {
                kvB.dequantizeRow(base + i, row, 0);
                for (int r = 0; r < L; r++) seg.set(Layouts.LE_FLOAT, 4L * (r * nope + i), row[r]);
            }
            kB[h] = new Matrix(kvB.name() + "[k_b " + h + "]", GgmlType.F32, Codecs.of(GgmlType.F32), seg, nope, L);
            vB[h] = kvB.rows(base + nope, v);
        }
    }

    private static Llama llama(GgufFile file, String arch, LoadOptions opt, Packer packer) {
        Llama.Config c = Llama.Config.read(file.metadata(), arch, opt.expertsUsed());
        Tensors w = new Tensors(file, packer);
        int ctx = context(opt, file.metadata().getInt(arch + ".context_length"));
        HeadWorkers hw = new HeadWorkers(opt.poolOrCommon(), ctx, opt.dotOrder());
        int maxBatch = Math.min(opt.maxBatch(), ctx);
        MoeFfn.Scratch moeScratch = new MoeFfn.Scratch(maxBatch); // one for all MoE layers: they run one after another
        int E = c.nEmbd(), qDim = c.nHead() * c.headDim(), kvDim = c.nKv() * c.headDim();
        Llama.Layer[] layers = new Llama.Layer[c.nLayer()];
        for (int il = 0; il < c.nLayer(); il++) {
            String p = "blk." + il + ".";
            Llama.Layer l = new Llama.Layer();
            l.attnNorm = w.vector(p + "attn_norm.weight", E);
            l.wq = w.matrix(p + "attn_q.weight", E, qDim);
            l.wk = w.matrix(p + "attn_k.weight", E, kvDim);
            l.wv = w.matrix(p + "attn_v.weight", E, kvDim);
            l.wo = w.matrix(p + "attn_output.weight", qDim, E);
            l.bq = w.optionalVector(p + "attn_q.bias", qDim);
            l.bk = w.optionalVector(p + "attn_k.bias", kvDim);
            l.bv = w.optionalVector(p + "attn_v.bias", kvDim);
            l.bo = w.optionalVector(p + "attn_output.bias", E);
            l.attn = new GqaAttention(c.nHead(), c.nKv(), c.headDim(), ctx, opt.slots(), opt.cacheType(), hw);
            l.ffnNorm = w.vector(p + "ffn_norm.weight", E);
            if (c.nExpert() == 0) {
                l.ffn = new Ffn(w.matrix(p + "ffn_gate.weight", E, c.nFf()), w.matrix(p + "ffn_up.weight", E, c.nFf()), w.matrix(p + "ffn_down.weight", c.nFf(), E));
            } else {
                Router r = new Router(w.matrix(p + "ffn_gate_inp.weight", E, c.nExpert()), null, Router.Gating.SOFTMAX, c.nUsed(), 1, 1, true, c.wScale(), maxBatch);
                l.moe = new MoeFfn(r, w.matrix(p + "ffn_gate_exps.weight", E, -1, c.nExpert()), w.matrix(p + "ffn_up_exps.weight", E, -1, c.nExpert()),
                        w.matrix(p + "ffn_down_exps.weight", -1, E, c.nExpert()), c.nExpert(), moeScratch);
            }
            layers[il] = l;
        }
        Matrix tok = w.matrix("token_embd.weight", E, -1);
        Matrix output = w.optionalMatrix("output.weight", E, tok.rows()).orElse(tok);
        float[] ropeFreqs = w.optionalVector("rope_freqs.weight", c.ropeParams().nRot() / 2);
        return new Llama(file, info(file, arch, c.nExpert(), c.nUsed(), output == tok), c, layers, w.vector("output_norm.weight", E), ropeFreqs, tok, output, ctx, opt);
    }

    /** Sizes for reports: parameters, dominant weight type, and the weight bytes one decoded token reads. */
    static ModelInfo info(GgufFile file, String arch, int nExpert, int nUsed, boolean tied) {
        long params = 0, active = 0;
        Map<GgmlType, Long> bytesByType = new EnumMap<>(GgmlType.class);
        for (TensorInfo t : file.tensors()) {
            params += t.elementCount();
            if (t.nDims() >= 2) bytesByType.merge(t.type(), t.byteSize(), Long::sum);
            if (t.name().contains("_exps.") && nExpert > 0) active += t.byteSize() / nExpert * nUsed;
            else if (t.name().equals("token_embd.weight") && !tied) active += t.rowBytes();
            else active += t.byteSize();
        }
        GgmlType quant = bytesByType.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(GgmlType.F32);
        String name = file.metadata().getString("general.name", file.path() != null ? file.path().getFileName().toString() : arch);
        return new ModelInfo(arch, name, quant.name(), params, file.tensorBytes(), active);
    }
}
