package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufMetadata;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufWriter;
import dev.jmoe.gguf.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * {@code jmoe quantize}: re-types a GGUF by a llama.cpp mix, streaming a block of rows at a time (the model is never
 * whole in memory). Output layout follows llama-quantize — tensors in its loader order, metadata copied with
 * {@code general.quantization_version} and {@code general.file_type} set last — so for deterministic types the file is
 * byte-identical to llama-quantize's.
 */
public final class GgufQuantizer {
    /** llama.cpp's GGML_QNT_VERSION. */
    public static final int QUANTIZATION_VERSION = 2;
    private static final long CHUNK_BYTES = 32L << 20;

    private GgufQuantizer() {}

    /** What each tensor becomes; fails before anything is written when a type has no quantizer. */
    public static Map<String, GgmlType> plan(GgufFile in, QuantMix mix) {
        GgufMetadata m = in.metadata();
        String arch = m.architecture();
        int nHead = m.getInt(arch + ".attention.head_count", 1);
        int nHeadKv = m.getInt(arch + ".attention.head_count_kv", nHead);
        var facts = new QuantMix.ModelFacts(m.getInt(arch + ".block_count", 1), m.getInt(arch + ".expert_count", 0),
                nHead / Math.max(1, nHeadKv));
        List<QuantMix.TensorDesc> descs = in.tensors().stream().map(t -> new QuantMix.TensorDesc(t.name(), t.dims(), t.type())).toList();
        Map<String, GgmlType> types = mix.assign(descs, facts);
        for (TensorInfo t : in.tensors()) {
            GgmlType to = types.get(t.name());
            if (to == t.type()) continue;
            Codecs.of(t); // the source must be readable
            Codec c = Codecs.find(to).orElse(null);
            if (c == null || !c.canQuantize()) {
                throw new Codecs.UnsupportedTypeException("cannot quantize tensor " + t.name() + " to " + to + ": jmoe has no " + to
                        + " quantizer (mix " + mix + ")");
            }
        }
        return types;
    }

    /**
     * Writes {@code out}. {@code progress} receives the number of input bytes done after each chunk.
     */
    public static void quantize(Path in, Path out, QuantMix mix, Parallel pool, LongConsumer progress) {
        try (GgufFile src = GgufFile.open(in)) {
            Map<String, GgmlType> types = plan(src, mix); // refuse before any file is created
            write(src, out, mix, types, pool, progress);
        }
    }

    private static void write(GgufFile src, Path out, QuantMix mix, Map<String, GgmlType> types, Parallel pool, LongConsumer progress) {
        try (GgufWriter w = new GgufWriter(out)) {
            for (var e : src.metadata().asMap().entrySet()) {
                String k = e.getKey();
                if (k.equals("general.quantization_version") || k.equals("general.file_type") || k.startsWith("split.")) continue;
                w.put(k, e.getValue());
            }
            w.put("general.quantization_version", GgufValue.ofUInt32(QUANTIZATION_VERSION));
            w.put("general.file_type", GgufValue.ofUInt32(mix.fileType));
            List<TensorInfo> order = new ArrayList<>(src.tensors());
            order.sort(Comparator.comparing(TensorInfo::name, QuantMix.LOADER_ORDER));
            for (TensorInfo t : order) w.addTensor(t.name(), types.get(t.name()), t.dims());
            w.writeHeader();
            long done = 0;
            for (TensorInfo t : order) {
                convert(src, t, types.get(t.name()), w, pool);
                done += t.byteSize();
                progress.accept(done);
            }
        }
    }

    /** Copies a tensor unchanged, or dequantizes and requantizes it chunk by chunk of whole rows. */
    private static void convert(GgufFile src, TensorInfo t, GgmlType to, GgufWriter w, Parallel pool) {
        MemorySegment data = src.data(t);
        if (to == t.type()) {
            w.write(data);
            return;
        }
        Codec from = Codecs.of(t), into = Codecs.of(to);
        int cols = (int) t.dim(0);
        long rows = t.rowCount();
        long inRow = t.type().bytesFor(cols), outRow = to.bytesFor(cols);
        int chunkRows = (int) Math.max(1, Math.min(rows, CHUNK_BYTES / Math.max(inRow, outRow) / 4 + 1));
        float[] f = new float[chunkRows * cols];
        MemorySegment buf = MemorySegment.ofArray(new byte[(int) (chunkRows * outRow)]);
        for (long r0 = 0; r0 < rows; r0 += chunkRows) {
            int n = (int) Math.min(chunkRows, rows - r0);
            long base = r0;
            pool.run(n, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    from.dequantize(data, (base + r) * inRow, f, r * cols, cols);
                    into.quantize(f, r * cols, buf, r * outRow, cols);
                }
            });
            w.write(buf.asSlice(0, n * outRow));
        }
    }
}
