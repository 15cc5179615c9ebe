package dev.jmoe.model.synth;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.gguf.TensorInfo;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A compact, human-readable summary of a GGUF (architecture, size, attention and expert layout, tensor types) as
 * lines of text. A stand-in for the {@code inspect} library until it is merged; {@code jmoe demo} prints it.
 */
public final class Summary {
    private Summary() {}

    public static List<String> lines(GgufFile f) {
        GgufMetadata m = f.metadata();
        String arch = m.getString("general.architecture", "?");
        String a = arch + ".";
        long params = 0;
        Map<GgmlType, long[]> byType = new EnumMap<>(GgmlType.class); // type -> {count, bytes}
        for (TensorInfo t : f.tensors()) {
            params += t.elementCount();
            long[] c = byType.computeIfAbsent(t.type(), k -> new long[2]);
            c[0]++;
            c[1] += t.byteSize();
        }
        List<String> out = new ArrayList<>();
        out.add(row("file", (f.path() == null ? "(memory)" : f.path().toString()) + " (" + bytes(f.fileSize()) + ", GGUF v" + f.version()
                + (f.isHeaderOnly() ? ", header only" : "") + ")"));
        out.add(row("model", m.getString("general.name", "?") + " · " + arch + " · " + ModelSpec.sizeLabel(params)
                + " parameters (" + String.format(Locale.ROOT, "%,d", params) + ")"));
        long layers = m.getLong(a + "block_count", 0), dense = m.getLong(a + "leading_dense_block_count", 0);
        long experts = m.getLong(a + "expert_count", 0);
        String layout = experts == 0 ? layers + "" : dense > 0 ? layers + " (" + dense + " dense + " + (layers - dense) + " MoE)" : layers + " MoE";
        out.add(row("layers", layout + " · hidden " + m.getLong(a + "embedding_length", 0) + " · " + m.getLong(a + "attention.head_count", 0)
                + " heads · vocab " + (m.has("tokenizer.ggml.tokens") ? m.getArray("tokenizer.ggml.tokens").length() : m.getLong(a + "vocab_size", 0))
                + " · context " + m.getLong(a + "context_length", 0)));
        if (m.has(a + "attention.kv_lora_rank")) {
            out.add(row("attention", "MLA: " + (m.has(a + "attention.q_lora_rank") ? "q_lora " + m.getLong(a + "attention.q_lora_rank") : "no q_lora")
                    + ", kv_lora " + m.getLong(a + "attention.kv_lora_rank") + ", qk " + (m.getLong(a + "attention.key_length_mla", 0) - m.getLong(a + "rope.dimension_count", 0))
                    + "+" + m.getLong(a + "rope.dimension_count", 0) + ", v " + m.getLong(a + "attention.value_length_mla", 0)
                    + (m.has(a + "rope.scaling.type") ? " · RoPE " + m.getString(a + "rope.scaling.type") + " ×" + fmt(m.getDouble(a + "rope.scaling.factor")) : "")));
        } else {
            out.add(row("attention", "GQA: " + m.getLong(a + "attention.head_count", 0) + " heads / " + m.getLong(a + "attention.head_count_kv", 0) + " KV heads"));
        }
        if (experts > 0) {
            String gating = m.getLong(a + "expert_gating_func", 1) == 2 ? "sigmoid" : "softmax";
            long groups = m.getLong(a + "expert_group_count", 1);
            out.add(row("experts", experts + " routed, " + m.getLong(a + "expert_used_count", 0) + " used"
                    + (m.has(a + "expert_shared_count") ? ", " + m.getLong(a + "expert_shared_count") + " shared" : "")
                    + ", FFN " + m.getLong(a + "expert_feed_forward_length", m.getLong(a + "feed_forward_length", 0)) + " · " + gating + " gating"
                    + (groups > 1 ? ", " + groups + " groups (" + m.getLong(a + "expert_group_used_count", 0) + " used)" : "")));
        }
        StringBuilder types = new StringBuilder();
        byType.forEach((t, c) -> types.append(types.isEmpty() ? "" : ", ").append(t).append(' ').append(c[0]));
        out.add(row("tensors", f.tensors().size() + ": " + types + " · " + bytes(f.tensorBytes()) + " of weights"));
        return out;
    }

    private static String row(String label, String text) {
        return String.format(Locale.ROOT, "%-10s %s", label, text);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Bytes in decimal units: {@code 10.9 MB}, {@code 1.34 TB}. */
    public static String bytes(long n) {
        String[] u = {"B", "kB", "MB", "GB", "TB", "PB"};
        double v = n;
        int i = 0;
        while (v >= 1000 && i < u.length - 1) {
            v /= 1000;
            i++;
        }
        return i == 0 ? n + " B" : String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, u[i]);
    }
}
