package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp's named quantization mixes ("file types": Q4_K_M, Q2_K, IQ1_S …): which ggml type each tensor gets.
 * The rules follow {@code src/llama-quant.cpp} (llama_tensor_get_type_impl, tensor_type_fallback,
 * tensor_allows_quantization) as of llama.cpp 34af94cd9; the shared dsv3-tiny files quantized by llama-quantize are
 * the test of this table. Used by {@code quantize}, {@code synth --type} and the planner's catalog models.
 */
public enum QuantMix {
    // llama.h llama_ftype ids, written to general.file_type
    F32(GgmlType.F32, 0), F16(GgmlType.F16, 1), BF16(GgmlType.BF16, 32),
    Q4_0(GgmlType.Q4_0, 2), Q4_1(GgmlType.Q4_1, 3), Q5_0(GgmlType.Q5_0, 8), Q5_1(GgmlType.Q5_1, 9), Q8_0(GgmlType.Q8_0, 7),
    Q2_K(GgmlType.Q2_K, 10), Q3_K_S(GgmlType.Q3_K, 11), Q3_K_M(GgmlType.Q3_K, 12), Q3_K_L(GgmlType.Q3_K, 13),
    Q4_K_S(GgmlType.Q4_K, 14), Q4_K_M(GgmlType.Q4_K, 15), Q5_K_S(GgmlType.Q5_K, 16), Q5_K_M(GgmlType.Q5_K, 17),
    Q6_K(GgmlType.Q6_K, 18), IQ4_NL(GgmlType.IQ4_NL, 25), IQ4_XS(GgmlType.IQ4_XS, 30), IQ3_XXS(GgmlType.IQ3_XXS, 23),
    IQ2_XXS(GgmlType.IQ2_XXS, 19), IQ2_XS(GgmlType.IQ2_XS, 20), IQ1_S(GgmlType.IQ1_S, 24), IQ1_M(GgmlType.IQ1_M, 31);

    /** The type most tensors get. */
    public final GgmlType base;
    /** llama.cpp's {@code general.file_type} value for this mix. */
    public final int fileType;

    QuantMix(GgmlType base, int fileType) {
        this.base = base;
        this.fileType = fileType;
    }

    /** The mix a {@code general.file_type} value names. */
    public static Optional<QuantMix> byFileType(int id) {
        for (QuantMix m : values()) if (m.fileType == id) return Optional.of(m);
        return Optional.empty();
    }

    private static final Pattern LAYER = Pattern.compile("^blk\\.(\\d+)\\.");

    /** The order llama-quantize visits and writes tensors: non-block tensors by name, then by layer, then by name. */
    public static final java.util.Comparator<String> LOADER_ORDER = java.util.Comparator
            .<String>comparingInt(n -> LAYER.matcher(n).find() ? layerOf(n) : -1).thenComparing(n -> n);

    /** Accepts llama.cpp's spelling, any case; plain type names ({@code Q4_K}) map to their _M/_S-less mix where one exists. */
    public static Optional<QuantMix> byName(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        for (QuantMix m : values()) if (m.name().equals(n)) return Optional.of(m);
        return switch (n) {
            case "Q4_K" -> Optional.of(Q4_K_M);
            case "Q5_K" -> Optional.of(Q5_K_M);
            case "Q3_K" -> Optional.of(Q3_K_M);
            default -> Optional.empty();
        };
    }

    /** What the rules need to know about the model. */
    public record ModelFacts(int nLayer, int nExpert, int nGqa) {}

    /** One tensor: name, ggml dims (innermost first) and its type in the source (kept when not quantizable). */
    public record TensorDesc(String name, long[] dims, GgmlType source) {}


    /** Whether llama-quantize would quantize this tensor at all (2-D/3-D weights but norms, routers…). */
    public static boolean quantizable(TensorDesc t) {
        String n = t.name();
        if (t.dims().length < 2) return false;
        int nonUnit = 0;
        for (long d : t.dims()) if (d > 1) nonUnit++;
        if (nonUnit < 2 && t.dims()[0] > 1) {
            // ggml_n_dims ignores trailing 1s: a {n, 1} tensor is 1-D
            boolean trailingOnes = true;
            for (int i = 1; i < t.dims().length; i++) trailingOnes &= t.dims()[i] == 1;
            if (trailingOnes) return false;
        }
        return n.endsWith("weight") && !n.contains("_norm.weight") && !n.contains("ffn_gate_inp.weight")
                && !n.contains("ffn_gate_tid2eid.weight");
    }

    /**
     * Types for every tensor of a model. llama-quantize visits tensors in its loader's order — non-block tensors
     * first, then by layer number, then by name — and its attn_v counter depends on that order, so we visit the same way.
     */
    public Map<String, GgmlType> assign(List<TensorDesc> tensors, ModelFacts facts) {
        State s = new State();
        tensors = new ArrayList<>(tensors);
        tensors.sort(java.util.Comparator.comparing(TensorDesc::name, LOADER_ORDER));
        boolean tied = tensors.stream().noneMatch(t -> t.name().equals("output.weight"));
        for (TensorDesc t : tensors) if (category(t.name()) == Category.ATTN_V) s.nAttnV++;
        Map<String, GgmlType> out = new LinkedHashMap<>();
        for (TensorDesc t : tensors) {
            if (!quantizable(t) || !isQuantized(base)) {
                out.put(t.name(), !quantizable(t) ? t.source() : base);
                continue;
            }
            GgmlType type = rule(s, t, facts, tied);
            out.put(t.name(), fallback(t, type));
        }
        return out;
    }

    /** Convenience: the type of each tensor as a list parallel to the input. */
    public List<GgmlType> assignList(List<TensorDesc> tensors, ModelFacts facts) {
        return new ArrayList<>(assign(tensors, facts).values());
    }

    private static boolean isQuantized(GgmlType t) {
        return t != GgmlType.F32 && t != GgmlType.F16 && t != GgmlType.BF16;
    }

    private enum Category { TOKEN_EMBD, ATTN_Q, ATTN_V, ATTN_K, ATTN_OUTPUT, FFN_UP, FFN_GATE, FFN_DOWN, OUTPUT, OTHER }

    private static final class State {
        int nAttnV, iAttnV, iFfnDown;
    }

    private static Category category(String n) {
        if (n.equals("output.weight")) return Category.OUTPUT;
        if (n.equals("token_embd.weight")) return Category.TOKEN_EMBD;
        if (n.contains("attn_qkv.weight") || n.contains("attn_kv_b.weight") || n.contains("attn_v.weight")) return Category.ATTN_V;
        if (n.contains("attn_k.weight")) return Category.ATTN_K;
        if (n.contains("attn_q.weight")) return Category.ATTN_Q;
        if (n.contains("attn_output.weight")) return Category.ATTN_OUTPUT;
        if (n.contains("ffn_up")) return Category.FFN_UP;
        if (n.contains("ffn_gate")) return Category.FFN_GATE;
        if (n.contains("ffn_down")) return Category.FFN_DOWN;
        return Category.OTHER;
    }

    private static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    private static int layerOf(String name) {
        Matcher m = LAYER.matcher(name);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private boolean isIqLow() {
        return this == IQ2_XXS || this == IQ2_XS || this == IQ1_S || this == IQ1_M;
    }

    private GgmlType rule(State s, TensorDesc t, ModelFacts f, boolean tied) {
        Category c = category(t.name());
        GgmlType type = base;
        if (c == Category.OUTPUT || (tied && c == Category.TOKEN_EMBD)) {
            long nx = t.dims()[0];
            if (nx % type.blockSize != 0) return GgmlType.Q8_0;
            if (isIqLow() || this == IQ3_XXS) return GgmlType.Q5_K;
            return type == GgmlType.Q8_0 ? type : GgmlType.Q6_K;
        }
        if (c == Category.TOKEN_EMBD) {
            if (isIqLow()) return GgmlType.Q2_K;
            if (this == IQ3_XXS) return GgmlType.IQ3_S;
            return type;
        }
        int layer = layerOf(t.name());
        int n = f.nLayer();
        if (isIqLow()) {
            switch (c) {
                case ATTN_V -> {
                    s.iAttnV++;
                    return f.nGqa() >= 4 || f.nExpert() >= 4 ? GgmlType.Q4_K : GgmlType.Q2_K;
                }
                case ATTN_K -> {
                    return f.nExpert() == 8 ? GgmlType.Q4_K : type;
                }
                case FFN_DOWN -> {
                    // llama.cpp counts every ffn_down tensor here (i_ffn_down) against n_layer
                    return s.iFfnDown++ < n / 8 ? GgmlType.Q2_K : type;
                }
                case ATTN_OUTPUT -> {
                    if (f.nExpert() == 8) return GgmlType.Q5_K;
                    return this == IQ1_S || this == IQ1_M ? GgmlType.IQ2_XXS : type;
                }
                default -> {
                    return type;
                }
            }
        }
        switch (c) {
            case ATTN_V -> {
                int i = s.iAttnV++;
                if (this == Q2_K) type = f.nGqa() >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
                else if (this == IQ3_XXS) type = f.nGqa() >= 4 ? GgmlType.Q4_K : GgmlType.IQ3_S;
                else if (this == Q3_K_M) type = i < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
                else if (this == Q3_K_L) type = GgmlType.Q5_K;
                else if ((this == IQ4_NL || this == IQ4_XS) && f.nGqa() >= 4) type = GgmlType.Q5_K;
                else if ((this == Q4_K_M || this == Q5_K_M) && useMoreBits(i, s.nAttnV)) type = GgmlType.Q6_K;
                else if (this == Q4_K_S && i < 4) type = GgmlType.Q5_K;
                if (f.nExpert() == 8) type = GgmlType.Q8_0;
            }
            case ATTN_K -> {
                if (f.nExpert() == 8) type = GgmlType.Q8_0;
                else if (this == IQ3_XXS) type = GgmlType.IQ2_S;
            }
            case ATTN_Q -> {
                if (this == IQ3_XXS) type = GgmlType.IQ2_S;
            }
            case FFN_DOWN -> {
                if (this == Q2_K) type = GgmlType.Q3_K;
                else if (this == IQ3_XXS) type = layer < n / 8 ? GgmlType.Q4_K : GgmlType.Q3_K;
                else if (this == Q3_K_M) type = layer < n / 16 ? GgmlType.Q5_K : GgmlType.Q4_K;
                else if (this == Q3_K_L) type = GgmlType.Q5_K;
                else if (this == Q4_K_M) {
                    if (useMoreBits(layer, n)) type = GgmlType.Q6_K;
                } else if (layer < n / 8 && (this == IQ4_NL || this == IQ4_XS)) type = GgmlType.Q5_K;
                else if (this == Q5_K_M && useMoreBits(layer, n)) type = GgmlType.Q6_K;
                else if (this == Q4_K_S && layer < n / 8) type = GgmlType.Q5_K;
            }
            case ATTN_OUTPUT -> {
                if (f.nExpert() == 8) {
                    if (this == Q2_K || this == IQ3_XXS || this == Q3_K_S || this == Q3_K_M || this == IQ4_NL
                            || this == Q4_K_S || this == Q4_K_M || this == IQ4_XS) type = GgmlType.Q5_K;
                } else {
                    if (this == Q2_K) type = GgmlType.Q3_K;
                    else if (this == IQ3_XXS) type = GgmlType.IQ3_S;
                    else if (this == Q3_K_M) type = GgmlType.Q4_K;
                    else if (this == Q3_K_L) type = GgmlType.Q5_K;
                }
            }
            default -> { }
        }
        return type;
    }

    /** tensor_type_fallback: a row length the type's block doesn't divide gets a compatible type. */
    public static GgmlType fallback(TensorDesc t, GgmlType type) {
        long ncols = t.dims()[0];
        if (ncols % type.blockSize == 0) return type;
        GgmlType r = switch (type) {
            case IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ4_XS -> GgmlType.IQ4_NL;
            case Q2_K, Q3_K, TQ1_0, TQ2_0 -> GgmlType.Q4_0;
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> throw new IllegalArgumentException("no fallback type for " + type + " (tensor " + t.name() + ")");
        };
        return ncols % r.blockSize == 0 ? r : GgmlType.F16;
    }
}
