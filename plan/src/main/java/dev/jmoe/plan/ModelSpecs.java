package dev.jmoe.plan;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.QuantMix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds {@link ModelSpec}s from GGUF headers (exact per-tensor types and sizes; the data is never read). */
public final class ModelSpecs {
    private static final Pattern LAYER = Pattern.compile("^blk\\.(\\d+)\\.");

    private ModelSpecs() {}

    public static ModelSpec fromGguf(Path file) {
        try (GgufFile f = GgufFile.openHeader(file)) {
            return fromGguf(f, file.getFileName().toString());
        }
    }

    public static ModelSpec fromGguf(GgufFile f, String name) {
        GgufMetadata m = f.metadata();
        String arch = m.architecture();
        int nLayer = m.getInt(arch + ".block_count");
        int nEmbd = m.getInt(arch + ".embedding_length");
        int nHead = m.getInt(arch + ".attention.head_count", 0);
        int nHeadKv = m.getInt(arch + ".attention.head_count_kv", nHead);
        int nExpert = m.getInt(arch + ".expert_count", 0);
        int nUsed = m.getInt(arch + ".expert_used_count", 0);
        int nShared = m.getInt(arch + ".expert_shared_count", 0);
        long kv;
        long attnFlops;
        if (m.has(arch + ".attention.kv_lora_rank")) {
            // MLA, absorbed: cache kv_lora + rope per token; scores and output in the latent space per head
            int kvLora = m.getInt(arch + ".attention.kv_lora_rank");
            int rope = m.getInt(arch + ".rope.dimension_count");
            kv = kvLora + rope;
            attnFlops = (long) nLayer * nHead * (kvLora + rope + kvLora);
        } else {
            int headDim = m.getInt(arch + ".attention.key_length", nEmbd / Math.max(1, nHead));
            int vDim = m.getInt(arch + ".attention.value_length", headDim);
            kv = (long) nHeadKv * (headDim + vDim);
            attnFlops = (long) nLayer * nHead * (headDim + vDim);
        }
        List<TensorSpec> tensors = new ArrayList<>();
        Map<String, Long> typeBytes = new HashMap<>();
        int nVocab = 0;
        for (TensorInfo t : f.tensors()) {
            int layer = layerOf(t.name());
            tensors.add(new TensorSpec(t.name(), t.type().name(), t.dims(), t.byteSize(), Role.of(t.name(), layer, nLayer), layer));
            if (t.name().equals("token_embd.weight")) nVocab = (int) t.dim(1);
            if (t.nDims() >= 2) typeBytes.merge(t.type().name(), t.byteSize(), Long::sum);
        }
        String quant = typeBytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("?");
        if (m.has("general.file_type")) quant = QuantMix.byFileType(m.getInt("general.file_type")).map(Enum::name).orElse(quant);
        return new ModelSpec(m.getString("general.name", name), arch, quant, nLayer, nEmbd, nVocab, nExpert, nUsed, nShared,
                kv, attnFlops, List.copyOf(tensors));
    }

    static int layerOf(String name) {
        Matcher mm = LAYER.matcher(name);
        return mm.find() ? Integer.parseInt(mm.group(1)) : -1;
    }
}
