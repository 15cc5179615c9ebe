package dev.jmoe.model.synth;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufWriter;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.Parallel;
import dev.jmoe.tensor.QuantMix;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a {@link ModelSpec} as a GGUF with seeded random weights ({@link WeightInit}), streaming: rows are drawn
 * and encoded a block at a time (at most {@value #BLOCK_VALUES} values, in parallel by row) and appended to the file,
 * so memory stays bounded (~32 MB of buffers) for any model size. Every weight goes through its type's
 * {@link Codec#quantize}, so any type with a quantizer can be written.
 */
public final class Synthesizer {
    /** Values drawn and encoded per block: 16 MB of floats. */
    static final int BLOCK_VALUES = 1 << 22;

    /** Receives bytes of tensor data written so far and the total; called after every block (not from the pool). */
    @FunctionalInterface
    public interface Progress {
        void update(long bytesDone, long bytesTotal);

        Progress NONE = (d, t) -> {};
    }

    /** What was written. {@code tensorBytes} is the data the tensor table describes (absent when header-only). */
    public record Result(Path file, ModelSpec spec, GgmlType type, long parameters, long tensorBytes, long fileBytes, boolean headerOnly) {}

    private Synthesizer() {}

    /**
     * Writes {@code spec} with weights of {@code type} (per tensor as {@link TypeChoice} decides) drawn from
     * {@code seed}; {@code headerOnly} writes the header alone (metadata and full tensor table; any weight type).
     */
    public static Result write(ModelSpec spec, GgmlType type, long seed, boolean headerOnly, Path out, Progress progress) {
        List<GgmlType> types = new ArrayList<>();
        for (TensorSpec t : spec.tensors()) types.add(TypeChoice.of(t, type));
        return write(spec, types, type, TypeChoice.fileType(type), seed, headerOnly, out, progress);
    }

    /**
     * Writes {@code spec} typed per tensor by one of llama.cpp's named mixes ({@code Q4_K_M}, {@code Q2_K} …), as
     * llama-quantize would type a file of this shape.
     */
    public static Result write(ModelSpec spec, QuantMix mix, long seed, boolean headerOnly, Path out, Progress progress) {
        var md = spec.metadata();
        String arch = (String) md.get("general.architecture").value();
        int nHead = intOf(md, arch + ".attention.head_count", 1);
        var facts = new QuantMix.ModelFacts(intOf(md, arch + ".block_count", 1), intOf(md, arch + ".expert_count", 0),
                nHead / Math.max(1, intOf(md, arch + ".attention.head_count_kv", nHead)));
        var assigned = mix.assign(spec.tensors().stream()
                .map(t -> new QuantMix.TensorDesc(t.name(), t.dims(), GgmlType.F32)).toList(), facts);
        List<GgmlType> types = spec.tensors().stream().map(t -> assigned.get(t.name())).toList();
        return write(spec, types, mix.base, mix.fileType, seed, headerOnly, out, progress);
    }

    private static int intOf(java.util.Map<String, GgufValue> md, String key, int dflt) {
        GgufValue v = md.get(key);
        return v != null && v.value() instanceof Long l ? (int) (long) l : dflt;
    }

    private static Result write(ModelSpec spec, List<GgmlType> types, GgmlType type, int fileType, long seed, boolean headerOnly,
                                Path out, Progress progress) {
        for (int i = 0; i < types.size(); i++) {
            GgmlType tt = types.get(i);
            if (!headerOnly && !TypeChoice.canWrite(tt)) { // a header-only file encodes no weights: any type will do
                throw new IllegalArgumentException("tensor " + spec.tensors().get(i).name() + " needs type " + tt
                        + (tt != type ? " (chosen for " + type + ")" : "") + ", which has no quantizer yet; writable types: " + TypeChoice.writable());
            }
        }
        long total = 0;
        try {
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the folder of " + out + ": " + e.getMessage(), e);
        }
        try (GgufWriter w = new GgufWriter(out)) {
            spec.metadata().forEach((k, v) -> w.put(k, k.equals("general.file_type") ? GgufValue.ofUInt32(fileType) : v));
            for (int i = 0; i < types.size(); i++) total += w.addTensor(spec.tensors().get(i).name(), types.get(i), spec.tensors().get(i).dims()).byteSize();
            if (headerOnly) {
                w.writeHeaderOnly();
            } else {
                writeData(w, spec, types, seed, total, progress);
            }
        }
        long size;
        try {
            size = Files.size(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new Result(out, spec, type, spec.parameterCount(), total, size, headerOnly);
    }

    private static void writeData(GgufWriter w, ModelSpec spec, List<GgmlType> types, long seed, long total, Progress progress) {
        long maxRow = 0;
        for (TensorSpec t : spec.tensors()) maxRow = Math.max(maxRow, t.rowLength());
        int cap = Math.toIntExact(Math.max(BLOCK_VALUES, maxRow));
        float[] values = new float[cap];
        byte[] bytes = new byte[Math.multiplyExact(cap, 4)]; // F32 is the widest type a weight is written in
        MemorySegment seg = MemorySegment.ofArray(bytes);
        Parallel pool = Parallel.common();
        long done = 0;
        for (int i = 0; i < types.size(); i++) {
            TensorSpec t = spec.tensors().get(i);
            Codec codec = Codecs.of(types.get(i));
            int rowLen = Math.toIntExact(t.rowLength());
            long rowBytes = types.get(i).bytesFor(rowLen);
            long rows = t.rows();
            int perBlock = Math.max(1, cap / rowLen);
            for (long r0 = 0; r0 < rows; r0 += perBlock) {
                int n = (int) Math.min(perBlock, rows - r0);
                long first = r0;
                pool.run(n, (from, to) -> {
                    for (int r = from; r < to; r++) {
                        WeightInit.fillRow(t, seed, first + r, values, r * rowLen);
                        codec.quantize(values, r * rowLen, seg, r * rowBytes, rowLen);
                    }
                });
                w.write(seg.asSlice(0, n * rowBytes));
                done += n * rowBytes;
                progress.update(done, total);
            }
        }
    }
}
