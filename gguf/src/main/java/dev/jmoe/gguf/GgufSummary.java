package dev.jmoe.gguf;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a GGUF holds, in numbers, without any model knowledge: counts, parameter and byte totals, and the same per ggml
 * type. Works on a header-only open ({@link GgufFile#openHeader}); {@link #dataPresent} says whether the data section
 * is actually in the file.
 *
 * @param parameterCount sum of all tensors' element counts (the reader guarantees it fits a long)
 * @param tensorBytes    sum of all tensors' byte sizes as the tensor table describes them
 * @param dataPresent    the file is long enough to hold every tensor's data
 * @param types          one row per ggml type present, most bytes first
 */
public record GgufSummary(int version, int alignment, long dataOffset, long fileSize, boolean dataPresent, String architecture,
                          String name, int metadataCount, int tensorCount, long parameterCount, long tensorBytes, List<TypeStats> types) {

    public GgufSummary {
        types = List.copyOf(types);
    }

    /** Tensors, parameters and bytes of one ggml type. */
    public record TypeStats(GgmlType type, int tensors, long parameters, long bytes) {
        public double bitsPerWeight() {
            return parameters == 0 ? 0 : 8.0 * bytes / parameters;
        }
    }

    public static GgufSummary of(GgufFile f) {
        Map<GgmlType, long[]> byType = new EnumMap<>(GgmlType.class); // {tensors, parameters, bytes}
        long params = 0, bytes = 0, end = 0;
        for (TensorInfo t : f.tensors()) {
            long[] s = byType.computeIfAbsent(t.type(), k -> new long[3]);
            s[0]++;
            s[1] += t.elementCount();
            s[2] += t.byteSize();
            params += t.elementCount();
            bytes += t.byteSize();
            end = Math.max(end, t.offset() + t.byteSize());
        }
        List<TypeStats> rows = new ArrayList<>();
        byType.forEach((type, s) -> rows.add(new TypeStats(type, (int) s[0], s[1], s[2])));
        rows.sort((a, b) -> a.bytes() != b.bytes() ? Long.compare(b.bytes(), a.bytes()) : a.type().compareTo(b.type()));
        GgufMetadata m = f.metadata();
        String arch = stringOrNull(m, "general.architecture");
        boolean present = f.tensors().isEmpty() || f.fileSize() - f.dataOffset() >= end;
        return new GgufSummary(f.version(), f.alignment(), f.dataOffset(), f.fileSize(), present, arch,
                stringOrNull(m, "general.name"), m.keys().size(), f.tensors().size(), params, bytes, rows);
    }

    /** Bits per weight over all tensors: 8 × bytes ÷ parameters. */
    public double bitsPerWeight() {
        return parameterCount == 0 ? 0 : 8.0 * tensorBytes / parameterCount;
    }

    private static String stringOrNull(GgufMetadata m, String key) {
        return m.find(key).filter(v -> v.type() == GgufValueType.STRING).map(v -> (String) v.value()).orElse(null);
    }

    /** A count the way model sizes are quoted: {@code 671.0 B}, {@code 2.7 M}, {@code 260.0 K}, {@code 512}. */
    public static String humanCount(long n) {
        if (n < 1_000) return Long.toString(n);
        String[] units = {"K", "M", "B", "T"};
        double v = n;
        int u = -1;
        while (v >= 999.95 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Bytes in binary units, as llama.cpp prints model sizes: {@code 10.40 MiB}, {@code 377.65 GiB}. */
    public static String humanBytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
