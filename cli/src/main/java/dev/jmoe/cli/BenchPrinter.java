package dev.jmoe.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * llama-bench's output formats (tools/llama-bench/llama-bench.cpp): a markdown table
 * ({@code | model | size | params | backend | threads | test | t/s |}, t/s as "mean ± sd"), a JSON array of objects and
 * CSV with llama-bench's field names. Two additions get columns when known: the weight GB/s a tg test read (bytes per
 * token from the file's header × t/s) and the planner's prediction.
 */
abstract class BenchPrinter {

    final PrintWriter out;
    final boolean withPrediction, withTraffic;

    BenchPrinter(PrintWriter out, boolean withPrediction, boolean withTraffic) {
        this.out = out;
        this.withPrediction = withPrediction;
        this.withTraffic = withTraffic;
    }

    static BenchPrinter of(String format, PrintWriter out, boolean withPrediction, boolean withTraffic) {
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "md", "markdown" -> new Markdown(out, withPrediction, withTraffic);
            case "json" -> new Json(out, withPrediction, withTraffic);
            case "csv" -> new Csv(out, withPrediction, withTraffic);
            default -> throw new IllegalArgumentException("unknown -o format '" + format + "': use md, json or csv");
        };
    }

    void header() {}

    abstract void row(BenchResult r);

    void footer() {}

    static final String BACKEND = "CPU";

    /** The fields JSON and CSV carry, llama-bench's names and order for the ones that apply to jmoe. */
    Map<String, Object> fields(BenchResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("build_commit", build());
        m.put("cpu_info", cpuInfo());
        m.put("backends", BACKEND);
        m.put("model_filename", r.modelFile());
        m.put("model_type", r.modelType());
        m.put("model_size", r.info().fileBytes());
        m.put("model_n_params", r.info().parameters());
        m.put("n_batch", r.nBatch());
        m.put("n_threads", r.threads());
        m.put("type_k", r.cacheType().llamaName());
        m.put("type_v", r.cacheType().llamaName());
        m.put("n_prompt", r.nPrompt());
        m.put("n_gen", r.nGen());
        m.put("n_depth", r.nDepth());
        m.put("n_parallel", r.seqs());
        m.put("test_time", r.testTime());
        m.put("avg_ns", r.avgNs());
        m.put("stddev_ns", r.stdevNs());
        m.put("avg_ts", r.avgTs());
        m.put("stddev_ts", r.stdevTs());
        if (withTraffic) {
            m.put("bytes_per_token", r.bytesPerToken());
            m.put("read_gbs", r.readGbs());
        }
        if (withPrediction) m.put("predicted_ts", r.predictedTs());
        return m;
    }

    static String build() {
        return new Main.Version().getVersion()[0];
    }

    static String cpuInfo() {
        try {
            Path p = Path.of("/proc/cpuinfo");
            if (Files.isReadable(p)) {
                for (String line : Files.readAllLines(p)) {
                    if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the architecture name
        }
        return System.getProperty("os.arch");
    }

    static final class Markdown extends BenchPrinter {
        private final List<String> names = new ArrayList<>();
        private final List<Integer> widths = new ArrayList<>();   // negative: left-aligned, as llama-bench

        Markdown(PrintWriter out, boolean withPrediction, boolean withTraffic) {
            super(out, withPrediction, withTraffic);
            add("model", -30);
            add("size", 10);
            add("params", 10);
            add("backend", -10);
            add("threads", 7);
            add("test", 15);
            add("t/s", 20);
            if (withTraffic) add("GB/s", 8);
            if (withPrediction) add("plan t/s", 10);
        }

        private void add(String name, int width) {
            names.add(name);
            widths.add(width);
        }

        @Override
        void header() {
            StringBuilder h = new StringBuilder("|");
            StringBuilder s = new StringBuilder("|");
            for (int i = 0; i < names.size(); i++) {
                int w = widths.get(i);
                h.append(' ').append(pad(names.get(i), w)).append(" |");
                s.append(' ').append("-".repeat(Math.abs(w) - 1)).append(w > 0 ? ':' : '-').append(" |");
            }
            out.println(h);
            out.println(s);
            out.flush();
        }

        @Override
        void row(BenchResult r) {
            List<String> v = new ArrayList<>(List.of(r.modelType(), Units.modelSize(r.info().fileBytes()),
                    Units.params(r.info().parameters()), BACKEND, Integer.toString(r.threads()), r.testName(),
                    String.format(Locale.ROOT, "%.2f ± %.2f", r.avgTs(), r.stdevTs())));
            if (withTraffic) v.add(r.readGbs() == null ? "" : String.format(Locale.ROOT, "%.1f", r.readGbs()));
            if (withPrediction) {
                v.add(r.predictedTs() == null ? "" : String.format(Locale.ROOT, "%.2f", r.predictedTs()));
            }
            StringBuilder b = new StringBuilder("|");
            for (int i = 0; i < v.size(); i++) b.append(' ').append(pad(v.get(i), widths.get(i))).append(" |");
            out.println(b);
            out.flush();
        }

        @Override
        void footer() {
            out.println();
            out.println("build: " + build());
            out.flush();
        }

        private static String pad(String s, int w) {
            return String.format(Locale.ROOT, w < 0 ? "%-" + (-w) + "s" : "%" + w + "s", s);
        }
    }

    static final class Json extends BenchPrinter {
        private final ObjectMapper mapper = new ObjectMapper();
        private boolean first = true;

        Json(PrintWriter out, boolean withPrediction, boolean withTraffic) {
            super(out, withPrediction, withTraffic);
        }

        @Override
        void header() {
            out.print("[");
        }

        @Override
        void row(BenchResult r) {
            Map<String, Object> m = fields(r);
            m.put("samples_ns", r.samplesNs());
            m.put("samples_ts", r.samplesTs());
            try {
                out.print((first ? "\n  " : ",\n  ") + mapper.writeValueAsString(m));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            first = false;
            out.flush();
        }

        @Override
        void footer() {
            out.println("\n]");
            out.flush();
        }
    }

    static final class Csv extends BenchPrinter {
        private boolean headerDone;

        Csv(PrintWriter out, boolean withPrediction, boolean withTraffic) {
            super(out, withPrediction, withTraffic);
        }

        @Override
        void row(BenchResult r) {
            Map<String, Object> m = fields(r);
            if (!headerDone) {
                out.println(String.join(",", m.keySet()));
                headerDone = true;
            }
            List<String> values = new ArrayList<>();
            for (Object v : m.values()) {
                // doubles as C's std::to_string writes them (llama-bench's CSV), not in E notation
                String text = v == null ? "" : v instanceof Double d ? String.format(Locale.ROOT, "%f", d) : String.valueOf(v);
                values.add(quote(text));
            }
            out.println(String.join(",", values));
            out.flush();
        }

        static String quote(String s) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
    }
}
