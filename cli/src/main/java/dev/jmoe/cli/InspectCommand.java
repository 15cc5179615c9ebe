package dev.jmoe.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufSummary;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufValueType;
import dev.jmoe.gguf.TensorInfo;
import java.io.PrintWriter;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jmoe inspect FILE}: what a GGUF holds, from its header alone (works on header-only and huge files). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show what a GGUF file holds: format, architecture and hyper-parameters, parameter count, "
                + "bytes and parameters per ggml type, bits per weight. Reads the header only (no tensor data needed).")
final class InspectCommand implements Callable<Integer> {
    /** Array items shown by --meta (text) and in --json before the rest is abbreviated. */
    static final int ARRAY_ITEMS = 8;
    /** Characters of a string value shown by --meta (text). */
    static final int STRING_CHARS = 120;

    @Parameters(index = "0", paramLabel = "FILE", description = "the .gguf file")
    Path file;

    @Option(names = "--tensors", description = "also list every tensor: name, type, shape, bytes")
    boolean tensors;

    @Option(names = "--meta", description = "also list every metadata key (long arrays abbreviated, with their count)")
    boolean meta;

    @Option(names = "--json", description = "print one JSON object (with --tensors / --meta: those lists too)")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws JsonProcessingException {
        try (GgufFile f = GgufFile.openHeader(file)) {
            GgufSummary s = GgufSummary.of(f);
            InspectArchitecture.Summary arch = InspectArchitecture.of(f.metadata(), s.architecture());
            PrintWriter out = spec.commandLine().getOut();
            if (json) out.println(json(f, s, arch));
            else text(out, f, s, arch);
            out.flush();
        }
        // a missing or unreadable file (UncheckedIOException) and a corrupt one (GgufFormatException) carry one-line
        // messages; Main's handler prints them as "jmoe inspect: <message>" and exits 1
        return 0;
    }

    private void text(PrintWriter out, GgufFile f, GgufSummary s, InspectArchitecture.Summary arch) {
        out.printf(Locale.ROOT, "file          %s (%,d bytes)%n", file, s.fileSize());
        out.printf(Locale.ROOT, "format        GGUF v%d, %d metadata keys, %d tensors, alignment %d, data section at %,d%s%n",
                s.version(), s.metadataCount(), s.tensorCount(), s.alignment(), s.dataOffset(),
                s.dataPresent() ? "" : " (header only: tensor data not in the file)");
        out.printf("architecture  %s%s%n", s.architecture() == null ? "(none: no general.architecture key)" : s.architecture(),
                s.name() == null ? "" : "  \"" + escape(s.name(), 60) + "\"");
        if (s.architecture() != null) {
            for (String[] l : arch.lines()) out.printf("  %-14s%s%n", l[0], l[1]);
        }
        out.printf(Locale.ROOT, "parameters    %s (%,d)%n", GgufSummary.humanCount(s.parameterCount()), s.parameterCount());
        out.printf(Locale.ROOT, "tensor data   %s (%,d bytes), %.2f bits per weight%n", GgufSummary.humanBytes(s.tensorBytes()),
                s.tensorBytes(), s.bitsPerWeight());
        out.println();
        if (s.types().isEmpty()) {
            out.println("no tensors (a vocabulary-only or metadata-only file)");
        } else {
            out.printf("%-8s %8s %18s %18s %7s%n", "type", "tensors", "parameters", "bytes", "bpw");
            for (GgufSummary.TypeStats t : s.types()) {
                out.printf(Locale.ROOT, "%-8s %8d %,18d %,18d %7.2f%n", t.type(), t.tensors(), t.parameters(), t.bytes(), t.bitsPerWeight());
            }
        }
        if (tensors && !f.tensors().isEmpty()) {
            int w = Math.max(4, f.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(4));
            int ws = Math.max(5, f.tensors().stream().mapToInt(t -> t.shape().length()).max().orElse(5));
            out.println();
            out.printf("%-" + w + "s  %-7s  %-" + ws + "s  %16s%n", "name", "type", "shape", "bytes");
            for (TensorInfo t : f.tensors()) {
                out.printf(Locale.ROOT, "%-" + w + "s  %-7s  %-" + ws + "s  %,16d%n", escape(t.name(), Integer.MAX_VALUE), t.type(), t.shape(), t.byteSize());
            }
        }
        if (meta) {
            int w = f.metadata().keys().stream().mapToInt(String::length).max().orElse(3);
            out.println();
            out.printf("%-" + w + "s  %-10s  %s%n", "key", "type", "value");
            f.metadata().asMap().forEach((k, v) -> out.printf("%-" + w + "s  %-10s  %s%n", escape(k, Integer.MAX_VALUE), typeName(v), valueText(v)));
        }
    }

    private String json(GgufFile f, GgufSummary s, InspectArchitecture.Summary arch) throws JsonProcessingException {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("file", file.toString());
        o.put("file_size", s.fileSize());
        o.put("version", s.version());
        o.put("alignment", s.alignment());
        o.put("data_offset", s.dataOffset());
        o.put("data_present", s.dataPresent());
        o.put("metadata_count", s.metadataCount());
        o.put("tensor_count", s.tensorCount());
        o.put("architecture", s.architecture());
        o.put("name", s.name());
        o.put("model", arch.fields());
        o.put("parameters", s.parameterCount());
        o.put("parameters_human", GgufSummary.humanCount(s.parameterCount()));
        o.put("tensor_bytes", s.tensorBytes());
        o.put("tensor_bytes_human", GgufSummary.humanBytes(s.tensorBytes()));
        o.put("bits_per_weight", s.bitsPerWeight());
        List<Map<String, Object>> types = new ArrayList<>();
        for (GgufSummary.TypeStats t : s.types()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("type", t.type().name());
            r.put("tensors", t.tensors());
            r.put("parameters", t.parameters());
            r.put("bytes", t.bytes());
            r.put("bits_per_weight", t.bitsPerWeight());
            types.add(r);
        }
        o.put("types", types);
        if (tensors) {
            List<Map<String, Object>> ts = new ArrayList<>();
            for (TensorInfo t : f.tensors()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", t.name());
                r.put("type", t.type().name());
                r.put("shape", t.dims());
                r.put("offset", t.offset());
                r.put("bytes", t.byteSize());
                ts.add(r);
            }
            o.put("tensors", ts);
        }
        if (meta) {
            Map<String, Object> md = new LinkedHashMap<>();
            f.metadata().asMap().forEach((k, v) -> md.put(k, jsonValue(v)));
            o.put("metadata", md);
        }
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
    }

    /** {@code {"type": T, "value": V}}; arrays: element type, count and the first items. */
    private static Map<String, Object> jsonValue(GgufValue v) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", v.type().name());
        if (v.value() instanceof GgufValue.Array a) {
            r.put("element_type", a.elementType().name());
            r.put("count", a.length());
            List<Object> head = new ArrayList<>();
            for (int i = 0; i < Math.min(ARRAY_ITEMS, a.length()); i++) head.add(jsonScalar(a.elementType(), Array.get(a.data(), i)));
            r.put(a.length() > ARRAY_ITEMS ? "first" : "value", head);
        } else {
            r.put("value", jsonScalar(v.type(), v.value()));
        }
        return r;
    }

    private static Object jsonScalar(GgufValueType t, Object v) {
        if (t == GgufValueType.UINT64 && v instanceof Long l && l < 0) return new BigInteger(Long.toUnsignedString(l));
        return v;
    }

    private static String typeName(GgufValue v) {
        return v.value() instanceof GgufValue.Array a ? "[" + a.elementType() + "]" : v.type().toString();
    }

    private static String valueText(GgufValue v) {
        if (!(v.value() instanceof GgufValue.Array a)) return scalarText(v.type(), v.value());
        int n = a.length();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, ARRAY_ITEMS); i++) {
            if (i > 0) sb.append(", ");
            sb.append(scalarText(a.elementType(), Array.get(a.data(), i)));
        }
        if (n > ARRAY_ITEMS) sb.append(", ...");
        sb.append(']');
        if (n > ARRAY_ITEMS) sb.append(String.format(Locale.ROOT, " (%,d values)", n));
        return sb.toString();
    }

    private static String scalarText(GgufValueType t, Object v) {
        return switch (t) {
            case STRING -> "\"" + escape((String) v, STRING_CHARS) + "\"";
            case UINT64 -> Long.toUnsignedString((Long) v);
            case FLOAT32, FLOAT64 -> InspectArchitecture.s(v);
            default -> String.valueOf(v);
        };
    }

    /** Control characters escaped, at most {@code max} characters, the rest counted. */
    static String escape(String s, int max) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(s.length(), max);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
                    else sb.append(c);
                }
            }
        }
        if (s.length() > max) sb.append(String.format(Locale.ROOT, "... (%,d chars)", s.length()));
        return sb.toString();
    }
}
