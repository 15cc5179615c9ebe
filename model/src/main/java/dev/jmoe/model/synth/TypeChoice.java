package dev.jmoe.model.synth;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.QuantMix;
import java.util.ArrayList;
import java.util.List;

/**
 * Which ggml type each tensor gets when a file is written "as type T", following llama.cpp:
 * <ul>
 *   <li>kept F32 (the converter and {@code llama-quantize} do the same): 1-D tensors (norms, {@code exp_probs_b.bias}),
 *       {@code *_norm.weight}, anything not named {@code *weight}, and the router {@code ffn_gate_inp.weight};</li>
 *   <li>a tensor whose row length (ggml ne0) is not a multiple of T's block size falls back as
 *       {@code tensor_type_fallback} in llama.cpp's src/llama-quant.cpp does: IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ4_XS → IQ4_NL,
 *       Q2_K/Q3_K/TQ1_0/TQ2_0 → Q4_0, Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0; if the fallback does not fit either, F16.</li>
 * </ul>
 * Named mixes ({@code Q4_K_M} ...) are typed by {@link dev.jmoe.tensor.QuantMix} instead (see {@link Synthesizer}).
 */
public final class TypeChoice {
    private TypeChoice() {}

    /** The type of tensor {@code t} in a file written as {@code target}. */
    public static GgmlType of(TensorSpec t, GgmlType target) {
        String n = t.name();
        boolean keepF32 = t.dims().length < 2 || !n.endsWith("weight") || n.endsWith("_norm.weight")
                || n.contains("ffn_gate_inp.weight");
        if (keepF32) return GgmlType.F32;
        return fallback(t.name(), t.rowLength(), target);
    }

    static GgmlType fallback(String name, long rowLength, GgmlType target) {
        return QuantMix.fallback(new QuantMix.TensorDesc(name, new long[]{rowLength, 1}, GgmlType.F32), target);
    }

    /** Parses {@code --type} for a file with weights: a ggml type with a quantizer; errors list the writable types. */
    public static GgmlType parse(String name) {
        return parse(name, true);
    }

    /**
     * Parses {@code --type}. {@code needQuantizer} false (header-only files: no weights are encoded) accepts every
     * ggml type that can hold model weights.
     */
    public static GgmlType parse(String name, boolean needQuantizer) {
        GgmlType t = GgmlType.byName(name).orElse(null);
        if (t == null) {
            throw new IllegalArgumentException("unknown type '" + name + "'; writable types: " + writable()
                    + ", or a llama.cpp mix: " + java.util.Arrays.toString(dev.jmoe.tensor.QuantMix.values()));
        }
        if (!needQuantizer) {
            fileType(t); // rejects types that are not weight types (I8, F64 ...)
            return t;
        }
        if (!canWrite(t)) throw new IllegalArgumentException("no quantizer for " + t + " yet; writable types: " + writable());
        return t;
    }

    public static boolean canWrite(GgmlType t) {
        return Codecs.find(t).map(Codec::canQuantize).orElse(false);
    }

    /** Types with a codec that can quantize, i.e. that {@code synth} can write. */
    public static List<GgmlType> writable() {
        List<GgmlType> out = new ArrayList<>();
        for (GgmlType t : GgmlType.values()) if (canWrite(t)) out.add(t);
        return out;
    }

    /**
     * {@code general.file_type} for a file written as {@code t}: llama.cpp's {@code llama_ftype} ("mostly T"). Types
     * whose ftypes name a mix (Q3_K, Q4_K, Q5_K) get the _S variant, the one closest to "all T".
     */
    public static int fileType(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q3_K -> 11;
            case Q4_K -> 14;
            case Q5_K -> 16;
            case Q6_K -> 18;
            case IQ2_XXS -> 19;
            case IQ2_XS -> 20;
            case IQ3_XXS -> 23;
            case IQ1_S -> 24;
            case IQ4_NL -> 25;
            case IQ3_S -> 26;
            case IQ2_S -> 28;
            case IQ4_XS -> 30;
            case IQ1_M -> 31;
            case BF16 -> 32;
            case TQ1_0 -> 36;
            case TQ2_0 -> 37;
            default -> throw new IllegalArgumentException(t + " is not a model file type");
        };
    }
}
