package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.codec.BF16Codec;
import dev.jmoe.tensor.codec.F16Codec;
import dev.jmoe.tensor.codec.F32Codec;
import dev.jmoe.tensor.codec.IQ1_MCodec;
import dev.jmoe.tensor.codec.IQ1_SCodec;
import dev.jmoe.tensor.codec.IQ2_SCodec;
import dev.jmoe.tensor.codec.IQ2_XSCodec;
import dev.jmoe.tensor.codec.IQ2_XXSCodec;
import dev.jmoe.tensor.codec.IQ3_SCodec;
import dev.jmoe.tensor.codec.IQ3_XXSCodec;
import dev.jmoe.tensor.codec.IQ4_NLCodec;
import dev.jmoe.tensor.codec.IQ4_XSCodec;
import dev.jmoe.tensor.codec.MXFP4Codec;
import dev.jmoe.tensor.codec.Q2_KCodec;
import dev.jmoe.tensor.codec.Q3_KCodec;
import dev.jmoe.tensor.codec.Q4_0Codec;
import dev.jmoe.tensor.codec.Q4_1Codec;
import dev.jmoe.tensor.codec.Q4_KCodec;
import dev.jmoe.tensor.codec.Q5_0Codec;
import dev.jmoe.tensor.codec.Q5_1Codec;
import dev.jmoe.tensor.codec.Q5_KCodec;
import dev.jmoe.tensor.codec.Q6_KCodec;
import dev.jmoe.tensor.codec.Q8_0Codec;
import dev.jmoe.tensor.codec.Q8_1Codec;
import dev.jmoe.tensor.codec.Q8_KCodec;
import dev.jmoe.tensor.codec.TQ1_0Codec;
import dev.jmoe.tensor.codec.TQ2_0Codec;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** The codec of each {@link GgmlType}: the second half of the one type table. */
public final class Codecs {
    private static final Map<GgmlType, Codec> CODECS = new EnumMap<>(GgmlType.class);

    static {
        register(new F32Codec());
        register(new F16Codec());
        register(new BF16Codec());
        register(new Q8_0Codec());
        register(new Q8_1Codec());
        // legacy block types (32 values per block) and the non-linear IQ4_NL
        register(new Q4_0Codec());
        register(new Q4_1Codec());
        register(new Q5_0Codec());
        register(new Q5_1Codec());
        register(new IQ4_NLCodec());
        // K-quants
        register(new Q2_KCodec());
        register(new Q3_KCodec());
        register(new Q4_KCodec());
        register(new Q5_KCodec());
        register(new Q6_KCodec());
        register(new Q8_KCodec());
        // IQ (importance / lattice) quants, MXFP4 and ternary types
        register(new IQ2_XXSCodec());
        register(new IQ2_XSCodec());
        register(new IQ2_SCodec());
        register(new IQ3_XXSCodec());
        register(new IQ3_SCodec());
        register(new IQ1_SCodec());
        register(new IQ1_MCodec());
        register(new IQ4_XSCodec());
        register(new MXFP4Codec());
        register(new TQ1_0Codec());
        register(new TQ2_0Codec());
    }

    private Codecs() {}

    private static void register(Codec c) {
        CODECS.put(c.type(), c);
    }

    public static Optional<Codec> find(GgmlType type) {
        return Optional.ofNullable(CODECS.get(type));
    }

    public static Codec of(GgmlType type) {
        Codec c = CODECS.get(type);
        if (c == null) throw new UnsupportedTypeException("ggml type " + type + " (id " + type.id + ") is not supported by jmoe's kernels");
        return c;
    }

    /** The codec for a tensor; the error names the tensor and its type. */
    public static Codec of(TensorInfo t) {
        Codec c = CODECS.get(t.type());
        if (c == null) {
            throw new UnsupportedTypeException("tensor " + t.name() + " has ggml type " + t.type() + " (id " + t.type().id + "), which jmoe's kernels do not support");
        }
        return c;
    }

    /** Raised for a type without a codec; names the type (and the tensor when known). */
    public static final class UnsupportedTypeException extends RuntimeException {
        public UnsupportedTypeException(String message) {
            super(message);
        }
    }
}
