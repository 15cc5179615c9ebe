package dev.jmoe.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.DotOrder;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Pages;
import dev.jmoe.tensor.Parallel;
import dev.jmoe.tensor.ProductBatch;
import dev.jmoe.tensor.Repack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@code jmoe calibrate}: measures this machine — streaming-read bandwidth, matvec GB/s per weight type with the
 * engine's own kernels, a batched matmul's GFLOP/s, disk sequential read — in under a minute, and turns the result into
 * hardware ({@code --hw this}) and the {@code jmoe} engine profile's CPU efficiencies.
 */
public final class Calibration {
    private Calibration() {}

    /**
     * Runs the measurements with {@code threads} kernel threads — and with 1 and half of them too, under
     * {@code by_threads}, so predictions for other thread counts use their own figures. {@code scratchDir} holds the disk
     * test file; each kernel runs {@code warmMillis} on a small weight before it is timed.
     */
    public static Map<String, Object> measure(int threads, Path scratchDir, long streamBytes, long weightBytes, long warmMillis) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("measured", Instant.now().toString());
        out.put("threads", threads);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("ram_bytes", totalRam());
        Map<String, Object> byThreads = new LinkedHashMap<>();
        for (int t : new java.util.TreeSet<>(List.of(1, Math.max(1, threads / 2), threads))) {
            byThreads.put(Integer.toString(t), measureThreads(t, scratchDir, streamBytes, weightBytes, warmMillis));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> all = (Map<String, Object>) byThreads.get(Integer.toString(threads));
        out.putAll(all);
        out.put("by_threads", byThreads);
        out.put("disk_read_gbs", diskRead(scratchDir, 256L << 20));
        return out;
    }

    /**
     * The types measured: those DeepSeek files are mostly made of (Q2_K and Q3_K: the 2- and 3-bit mixes; Q5_K: Q5_K_M;
     * the IQ types: the 1.6–4-bit "dynamic" and IQ mixes), plus Q5_0 and IQ4_NL, which Q4_K_M and IQ files hold where a
     * row does not fit 256-value blocks (Moonlight's 1408-column ffn_down). The planner prices other types at the
     * slowest measured quantized type's rates.
     */
    static final List<GgmlType> IQ_TYPES = List.of(GgmlType.IQ1_S, GgmlType.IQ1_M, GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S,
            GgmlType.IQ3_XXS, GgmlType.IQ3_S, GgmlType.IQ4_XS, GgmlType.IQ4_NL);
    static final List<GgmlType> MATVEC_TYPES = Stream.concat(Stream.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.Q8_0, GgmlType.Q5_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q3_K, GgmlType.Q2_K),
            IQ_TYPES.stream()).toList();
    static final List<GgmlType> BATCH_TYPES = Stream.concat(Stream.of(GgmlType.Q8_0, GgmlType.Q5_0, GgmlType.Q4_0,
            GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q3_K, GgmlType.Q2_K), IQ_TYPES.stream()).toList();

    private static Map<String, Object> measureThreads(int threads, Path dir, long streamBytes, long weightBytes, long warmMillis) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (Parallel pool = new Parallel(threads)) {
            out.put("stream_read_gbs", streamRead(pool, streamBytes));
            Map<String, Double> mv = new LinkedHashMap<>();
            for (GgmlType t : MATVEC_TYPES) {
                Codecs.find(t).ifPresent(c -> mv.put(t.name(), matvec(pool, dir, c, 4096, weightBytes, warmMillis)));
            }
            out.put("matvec_gbs", mv);
            // types whose one-token kernel changes with the row length: also measured at DeepSeek-V3's 7168 columns
            Map<String, Double> wide = new LinkedHashMap<>();
            Map<String, Integer> narrowCols = new LinkedHashMap<>();
            for (GgmlType t : MATVEC_TYPES) {
                int limit = MatVec.narrowRowCols(t, DotOrder.FAST);
                if (limit == Integer.MAX_VALUE) continue;
                narrowCols.put(t.name(), limit);
                Codecs.find(t).ifPresent(c -> wide.put(t.name(), matvec(pool, dir, c, 7168, weightBytes, warmMillis)));
            }
            out.put("narrow_row_cols", narrowCols);
            out.put("wide_matvec_gbs", wide);
            Map<String, Double> ex = new LinkedHashMap<>();
            Map<String, Integer> tiles = new LinkedHashMap<>();
            for (GgmlType t : MATVEC_TYPES) {
                Codecs.find(t).ifPresent(c -> ex.put(t.name(), expertMatvec(pool, dir, c, weightBytes, warmMillis)));
                tiles.put(t.name(), MatVec.tileTokens(t, DotOrder.FAST));
            }
            out.put("expert_matvec_gbs", ex);
            out.put("tile_tokens", tiles);
            out.put("matmul_gflops", matmulGflops(pool, Codecs.of(GgmlType.F32), warmMillis));
            Map<String, Double> mm = new LinkedHashMap<>();
            for (GgmlType t : BATCH_TYPES) {
                Codecs.find(t).ifPresent(c -> mm.put(t.name(), matmulGflops(pool, c, warmMillis)));
            }
            out.put("matmul_gflops_by_type", mm);
            out.put("call_us", callMicros(pool, warmMillis));
        }
        return out;
    }

    /** The figures measured with {@code threads} threads (the nearest count measured), or the top level. */
    static JsonNode forThreads(JsonNode n, Integer threads) {
        JsonNode by = n.path("by_threads");
        if (threads == null || !by.isObject() || by.isEmpty()) return n;
        JsonNode best = n;
        int bestDist = Integer.MAX_VALUE;
        for (var it = by.fields(); it.hasNext(); ) {
            var e = it.next();
            int d = Math.abs(Integer.parseInt(e.getKey()) - threads);
            if (d < bestDist) {
                bestDist = d;
                best = e.getValue();
            }
        }
        return best;
    }

    public static void save(Map<String, Object> m, Path file) {
        try {
            Files.createDirectories(file.getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), m);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The hardware a calibration file describes, registered as CPU "this". */
    static HardwareSpec spec(JsonNode n) {
        return spec(n, null);
    }

    /** The hardware a calibration file describes for a given thread count (null: the count it was run with). */
    public static HardwareSpec spec(JsonNode n, Integer threads) {
        return spec(n, threads, null);
    }

    /**
     * As {@link #spec(JsonNode, Integer)}, with the compute peak of {@code type}'s kernels where they were measured:
     * prefill of a Q4_0 model runs the Q4_0 matmul, not the F32 one. A batch is never slower per token than one-token
     * products, so the peak is at least the FLOP rate the type's matvec reached (2 FLOPs per weight at its GB/s).
     */
    public static HardwareSpec spec(JsonNode n, Integer threads, String type) {
        JsonNode t = forThreads(n, threads);
        double stream = t.path("stream_read_gbs").asDouble();
        int cores = threads != null ? threads : n.path("threads").asInt(n.path("cores").asInt(1));
        JsonNode byType = type == null ? null : t.path("matmul_gflops_by_type").path(baseType(type));
        double total = byType != null && byType.isNumber() ? byType.asDouble() : t.path("matmul_gflops").asDouble(10);
        JsonNode mv = type == null ? null : t.path("matvec_gbs").path(baseType(type));
        GgmlType g = type == null ? null : GgmlType.byName(baseType(type)).orElse(null);
        if (mv != null && mv.isNumber() && g != null) total = Math.max(total, 2 * mv.asDouble() / (g.bitsPerWeight() / 8));
        double gflops = total / Math.max(1, cores);
        long ram = n.path("ram_bytes").asLong(8L << 30);
        HardwareCatalog.register(new Hardware.Cpu("this", 1, cores, stream, ram, gflops, false, 0,
                "measured by jmoe calibrate at " + n.path("measured").asText()));
        return new HardwareSpec(null, "this", null, null, null, null, null, null, null, null);
    }

    /** The jmoe engine profile with CPU efficiencies from a calibration: best matvec GB/s ÷ streaming bandwidth. */
    public static Efficiency efficiency(JsonNode n) {
        return efficiency(n, null);
    }

    /** As {@link #efficiency(JsonNode)}, from the figures measured with {@code threads} threads. */
    public static Efficiency efficiency(JsonNode n, Integer threads) {
        return efficiency(n, threads, null);
    }

    /**
     * The jmoe profile for a model whose weights are mostly {@code type} (e.g. {@code Q4_0}; a mix name such as
     * {@code Q4_K_M} uses its base type): that type's measured matvec GB/s ÷ streaming bandwidth — the quantized
     * kernels are compute-bound well below memory speed, so one factor for all types would mislead. Falls back to the
     * best type measured.
     */
    public static Efficiency efficiency(JsonNode n, Integer threads, String type) {
        JsonNode t = forThreads(n, threads);
        double stream = t.path("stream_read_gbs").asDouble();
        double best = 0;
        for (JsonNode v : t.path("matvec_gbs")) best = Math.max(best, v.asDouble());
        if (type != null) {
            JsonNode v = t.path("matvec_gbs").path(baseType(type));
            if (v.isNumber()) best = v.asDouble();
        }
        Efficiency base = Efficiency.profile("jmoe");
        double callMs = t.path("call_us").isNumber() ? t.path("call_us").asDouble() / 1e3 : base.cpuCallMs();
        if (best <= 0 || stream <= 0) return base;
        return base.withCpu(Math.min(1.0, best / stream), 1.0, callMs, "measured by jmoe calibrate").withKernels(KernelRates.of(t));
    }

    /** The ggml type a mix is named for: {@code Q4_K_M} → {@code Q4_K}. */
    static String baseType(String type) {
        return type.toUpperCase(java.util.Locale.ROOT).replaceAll("_[SML]$", "");
    }

    /**
     * Timed passes per figure. Each figure is their median, not their best: on a shared machine the best of a few passes
     * runs a quarter above what a minute-long benchmark averages, and the planner predicts the average.
     */
    static final int PASSES = 7;

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Median of the passes summing longs over {@code bytes} (allocated in a shared arena: the pool's threads read it). */
    static double streamRead(Parallel pool, long bytes) {
        try (Arena a = Arena.ofShared()) {
            MemorySegment s = a.allocate(bytes, 64);
            s.fill((byte) 1);
            long[] sink = new long[pool.threads()];
            double[] gbs = new double[PASSES];
            for (int rep = 0; rep < PASSES; rep++) {
                long t0 = System.nanoTime();
                long n = bytes / 8;
                pool.run(pool.threads(), (from, to) -> {
                    for (int part = from; part < to; part++) {
                        long lo = n * part / pool.threads(), hi = n * (part + 1) / pool.threads();
                        long acc = 0;
                        for (long i = lo; i < hi; i++) acc += s.getAtIndex(ValueLayout.JAVA_LONG, i);
                        sink[part] = acc;
                    }
                });
                gbs[rep] = bytes / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
            return median(gbs);
        }
    }

    /**
     * Runs {@code body} for {@code millis} ({@code --warmup-ms}, half a second by default) so that C2 has compiled the
     * kernels it uses: measuring a 256 MB product in 4 passes before that times the interpreter and C1, not the kernels.
     */
    private static void warm(Runnable body, long millis) {
        body.run();
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < end) body.run();
    }

    /**
     * A weight of {@code rows × cols} of codec c in arena a: one random row copied (only the bytes matter), quantized
     * where the codec can; otherwise (the IQ types) random blocks whose leading fp16 scale is 0.1, so the sums stay
     * finite (IQ1_M keeps its scale elsewhere: random too). Their kernels' work does not depend on the values.
     */
    private static Matrix weight(Arena a, Codec c, int cols, int rows, long seed) {
        long rowBytes = c.type().bytesFor(cols);
        MemorySegment w = a.allocate(rowBytes * rows, 64);
        Random rnd = new Random(seed);
        if (c.canQuantize()) {
            float[] row = new float[cols];
            for (int i = 0; i < cols; i++) row[i] = (float) rnd.nextGaussian();
            c.quantize(row, 0, w, 0, cols);
            for (int r = 1; r < rows; r++) MemorySegment.copy(w, 0, w, r * rowBytes, rowBytes);
        } else {
            // 64 distinct rows, cycled: the IQ kernels gather grid entries by the weights' indices, and with one row
            // copied everywhere every row would find the same few entries in L1, as no real weight's rows do
            int distinct = Math.min(rows, 64);
            byte[] row = new byte[(int) rowBytes];
            for (int r = 0; r < distinct; r++) {
                rnd.nextBytes(row);
                for (long b = 0; b < rowBytes; b += c.type().typeSize) {
                    row[(int) b] = 0x66; // fp16 0.1, little-endian
                    row[(int) b + 1] = 0x2E;
                }
                MemorySegment.copy(row, 0, w, java.lang.foreign.ValueLayout.JAVA_BYTE, r * rowBytes, row.length);
            }
            for (int r = distinct; r < rows; r++) MemorySegment.copy(w, (r % distinct) * rowBytes, w, r * rowBytes, rowBytes);
        }
        return new Matrix("calibration", c.type(), c, w, cols, rows);
    }

    /**
     * Median time of a tiny product (64 × 256 F32: 64 KB, in L2) — what every matrix product pays to reach the pool's
     * threads and join them, whatever its size.
     */
    static double callMicros(Parallel pool, long warmMillis) {
        try (Arena a = Arena.ofShared()) {
            Matrix m = weight(a, Codecs.of(GgmlType.F32), 256, 64, 3);
            MatVec mv = new MatVec(pool);
            float[] x = new float[256], y = new float[64];
            warm(() -> mv.matvec(m, x, y), warmMillis);
            long[] t = new long[2001];
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                mv.matvec(m, x, y);
                t[i] = System.nanoTime() - t0;
            }
            java.util.Arrays.sort(t);
            return t[t.length / 2] / 1e3;
        }
    }

    /** Median of the passes over a {@code weightBytes} file-mapped weight of codec c, {@code cols} columns, after warming its kernel. */
    static double matvec(Parallel pool, Path dir, Codec c, int cols, long weightBytes, long warmMillis) {
        int rows = (int) Math.max(64, weightBytes / c.type().bytesFor(cols) / 64 * 64); // whole groups, so Q4_0 packs
        try (Arena a = Arena.ofShared()) {
            Matrix w = weight(a, c, cols, rows, 1);
            Matrix m = packed(new Matrix(w.name(), w.type(), c, mapped(a, w.data(), dir, pool), cols, rows), a, pool);
            Matrix small = packed(weight(a, c, cols, 64, 1), a, pool);
            MatVec mv = new MatVec(pool);
            float[] x = new float[cols], y = new float[rows];
            Random rnd = new Random(1);
            for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
            warm(() -> mv.matvec(small, x, y), warmMillis);
            double[] v = new double[PASSES];
            for (int rep = 0; rep < PASSES; rep++) {
                long t0 = System.nanoTime();
                mv.matvec(m, x, y);
                v[rep] = m.byteSize() / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
            return median(v);
        }
    }

    /** Decode-sized products of {@link #expertMatvec}: 1536 × 2048 weights, 16 per dispatch. */
    static final int EXPERT_ROWS = 1536, EXPERT_COLS = 2048, EXPERTS_PER_DISPATCH = 16;

    /**
     * GB/s of decode-sized products: groups of 16 distinct 1536 × 2048 weights of codec c (a MoE layer's chosen experts
     * at decode, 2–3 MB each) run as one {@link ProductBatch} each, in a random order over a {@code weightBytes} file
     * mapping so they come from DRAM through 4 KB pages, as the model's do. Small products pay the pool's hand-off and each chunk's prefetch ramp, which a 256 MB matvec hides.
     */
    static double expertMatvec(Parallel pool, Path dir, Codec c, long weightBytes, long warmMillis) {
        int cols = EXPERT_COLS, rows = EXPERT_ROWS, per = EXPERTS_PER_DISPATCH;
        long bytes = c.type().bytesFor(cols) * rows;
        int count = (int) Math.max(per, weightBytes / bytes / per * per);
        try (Arena a = Arena.ofShared()) {
            Matrix one = weight(a, c, cols, rows, 3);
            MemorySegment all = a.allocate(bytes * count, 64);
            for (int i = 0; i < count; i++) MemorySegment.copy(one.data(), 0, all, i * bytes, bytes);
            MemorySegment file = mapped(a, all, dir, pool);
            Matrix whole = packed(new Matrix("calibration", c.type(), c, file, cols, rows * count), a, pool);
            // in a random order, as routing picks experts: a sequential walk ran 17 % faster
            List<Integer> order = new ArrayList<>(IntStream.range(0, count).boxed().toList());
            Collections.shuffle(order, new Random(4));
            Matrix[] ms = new Matrix[count];
            for (int i = 0; i < count; i++) {
                ms[i] = whole.rows(order.get(i) * rows, rows);
            }
            MatVec mv = new MatVec(pool);
            float[] x = new float[cols], y = new float[rows * per];
            Random rnd = new Random(3);
            for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
            IntConsumer group = g -> {
                ProductBatch b = mv.batch();
                for (int j = 0; j < per; j++) b.add(ms[g + j], x, 0, 1, y, j * rows);
                b.run();
            };
            warm(() -> group.accept(0), warmMillis);
            double[] v = new double[PASSES];
            for (int rep = 0; rep < PASSES; rep++) {
                long t0 = System.nanoTime();
                for (int g = 0; g < count; g += per) group.accept(g);
                v[rep] = (double) bytes * count / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
            return median(v);
        }
    }

    /**
     * GFLOP/s of a 32-token batched product over a 1024 × 4096 weight of codec c (in cache: what prefill's compute
     * reaches with that weight type), after warming its kernel.
     */
    static double matmulGflops(Parallel pool, Codec c, long warmMillis) {
        int cols = 4096, rows = 1024, tok = 32;
        try (Arena a = Arena.ofShared()) {
            Matrix m = packed(weight(a, c, cols, rows, 2), a, pool);
            float[] x = new float[cols * tok], y = new float[rows * tok];
            Random rnd = new Random(2);
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            MatVec mv = new MatVec(pool);
            warm(() -> mv.matmul(m, x, tok, y), warmMillis);
            double[] v = new double[PASSES];
            for (int rep = 0; rep < PASSES; rep++) {
                long t0 = System.nanoTime();
                mv.matmul(m, x, tok, y);
                v[rep] = 2.0 * cols * rows * tok / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
            return median(v);
        }
    }

    /** {@code m} as the loader gives it to the engine: with a packed copy where its type has one, F16 marked finite ({@link Repack}). */
    static Matrix packed(Matrix m, Arena a, Parallel pool) {
        m = Repack.markFinite(m, pool);
        return Repack.packable(m) ? Repack.pack(m, a, pool) : m;
    }

    /**
     * {@code src} written to a file in {@code dir} and mapped back into {@code a}, every page touched: the engine reads
     * its weights through a file mapping's 4 KB pages, and the same kernels ran 17 % slower on them than on the
     * arena's memory (which the kernel backs with huge pages). The file is deleted at once; the mapping stays.
     */
    static MemorySegment mapped(Arena a, MemorySegment src, Path dir, Parallel pool) {
        Path f = null;
        try {
            Files.createDirectories(dir);
            f = Files.createTempFile(dir, "jmoe-calibrate", ".weights");
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ByteBuffer b = src.asByteBuffer();
                while (b.hasRemaining()) ch.write(b);
            }
            MemorySegment m;
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                m = ch.map(FileChannel.MapMode.READ_ONLY, 0, src.byteSize(), a);
            }
            Pages.touch(m, pool);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write calibration weights to " + dir + ": " + e.getMessage(), e);
        } finally {
            if (f != null) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // temp file in the calibration's scratch dir; harmless if left
                }
            }
        }
    }

    /** Sequential read of a fresh file with O_DIRECT where the file system allows it (else through the page cache). */
    static double diskRead(Path dir, long bytes) {
        Path f = null;
        try {
            Files.createDirectories(dir);
            f = Files.createTempFile(dir, "jmoe-calibrate", ".bin");
            ByteBuffer buf = ByteBuffer.allocateDirect(8 << 20);
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                for (long w = 0; w < bytes; w += buf.capacity()) {
                    buf.clear();
                    ch.write(buf);
                }
                ch.force(true);
            }
            ByteBuffer rb = ByteBuffer.allocateDirect(8 << 20 + 4096).alignedSlice(4096);
            long t0 = System.nanoTime(), total = 0;
            try (FileChannel ch = openDirect(f)) {
                int n;
                rb.clear();
                while ((n = ch.read(rb)) > 0) {
                    total += n;
                    rb.clear();
                }
            }
            return total / ((System.nanoTime() - t0) / 1e9) / 1e9;
        } catch (IOException e) {
            return Double.NaN;
        } finally {
            if (f != null) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // temp file in the user's cache dir; harmless if left
                }
            }
        }
    }

    private static FileChannel openDirect(Path f) throws IOException {
        try {
            return FileChannel.open(f, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            return FileChannel.open(f, StandardOpenOption.READ); // file system without O_DIRECT: page cache
        }
    }

    static long totalRam() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: fall back to the JVM's view below
        }
        return Runtime.getRuntime().maxMemory();
    }
}
