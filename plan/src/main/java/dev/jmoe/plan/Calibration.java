package dev.jmoe.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
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
import java.util.List;
import java.util.Map;
import java.util.Random;

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
     * test file.
     */
    public static Map<String, Object> measure(int threads, Path scratchDir, long streamBytes, long weightBytes) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("measured", Instant.now().toString());
        out.put("threads", threads);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("ram_bytes", totalRam());
        Map<String, Object> byThreads = new LinkedHashMap<>();
        for (int t : new java.util.TreeSet<>(List.of(1, Math.max(1, threads / 2), threads))) {
            byThreads.put(Integer.toString(t), measureThreads(t, streamBytes, weightBytes));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> all = (Map<String, Object>) byThreads.get(Integer.toString(threads));
        out.putAll(all);
        out.put("by_threads", byThreads);
        out.put("disk_read_gbs", diskRead(scratchDir, 256L << 20));
        return out;
    }

    private static Map<String, Object> measureThreads(int threads, long streamBytes, long weightBytes) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (Parallel pool = new Parallel(threads)) {
            out.put("stream_read_gbs", streamRead(pool, streamBytes));
            Map<String, Double> mv = new LinkedHashMap<>();
            for (GgmlType t : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K)) {
                Codecs.find(t).filter(Codec::canQuantize).ifPresent(c -> mv.put(t.name(), matvec(pool, c, weightBytes)));
            }
            out.put("matvec_gbs", mv);
            out.put("matmul_gflops", matmulGflops(pool));
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
        JsonNode t = forThreads(n, threads);
        double stream = t.path("stream_read_gbs").asDouble();
        int cores = threads != null ? threads : n.path("threads").asInt(n.path("cores").asInt(1));
        double gflops = t.path("matmul_gflops").asDouble(10) / Math.max(1, cores);
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
            String base = type.toUpperCase(java.util.Locale.ROOT).replaceAll("_[SML]$", "");
            JsonNode v = t.path("matvec_gbs").path(base);
            if (v.isNumber()) best = v.asDouble();
        }
        Efficiency base = Efficiency.profile("jmoe");
        return best > 0 && stream > 0 ? base.withCpu(Math.min(1.0, best / stream), 1.0, "measured by jmoe calibrate") : base;
    }

    /** Best of 5 passes summing longs over {@code bytes} (allocated in a shared arena: the pool's threads read it). */
    static double streamRead(Parallel pool, long bytes) {
        try (Arena a = Arena.ofShared()) {
            MemorySegment s = a.allocate(bytes, 64);
            s.fill((byte) 1);
            long[] sink = new long[pool.threads()];
            double best = 0;
            for (int rep = 0; rep < 5; rep++) {
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
                best = Math.max(best, bytes / ((System.nanoTime() - t0) / 1e9) / 1e9);
            }
            return best;
        }
    }

    static double matvec(Parallel pool, Codec c, long weightBytes) {
        int cols = 4096;
        long rowBytes = c.type().bytesFor(cols);
        int rows = (int) Math.max(64, weightBytes / rowBytes);
        try (Arena a = Arena.ofShared()) {
            MemorySegment w = a.allocate(rowBytes * rows, 64);
            float[] row = new float[cols];
            Random rnd = new Random(1);
            for (int i = 0; i < cols; i++) row[i] = (float) rnd.nextGaussian();
            // quantize one row and copy it: the bytes streamed are what matters, and quantizing 256 MB would take longer
            // than the measurement
            c.quantize(row, 0, w, 0, cols);
            for (int r = 1; r < rows; r++) MemorySegment.copy(w, 0, w, r * rowBytes, rowBytes);
            Matrix m = new Matrix("calibration", c.type(), c, w, cols, rows);
            MatVec mv = new MatVec(pool);
            float[] x = row.clone(), y = new float[rows];
            double best = 0;
            for (int rep = 0; rep < 4; rep++) {
                long t0 = System.nanoTime();
                mv.matvec(m, x, y);
                best = Math.max(best, m.byteSize() / ((System.nanoTime() - t0) / 1e9) / 1e9);
            }
            return best;
        }
    }

    static double matmulGflops(Parallel pool) {
        Codec c = Codecs.of(GgmlType.F32);
        int cols = 1024, rows = 1024, tok = 32;
        try (Arena a = Arena.ofShared()) {
            MemorySegment w = a.allocate(4L * cols * rows, 64);
            float[] x = new float[cols * tok], y = new float[rows * tok];
            Random rnd = new Random(2);
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            Matrix m = new Matrix("calibration", GgmlType.F32, c, w, cols, rows);
            MatVec mv = new MatVec(pool);
            double best = 0;
            for (int rep = 0; rep < 4; rep++) {
                long t0 = System.nanoTime();
                mv.matmul(m, x, tok, y);
                best = Math.max(best, 2.0 * cols * rows * tok / ((System.nanoTime() - t0) / 1e9) / 1e9);
            }
            return best;
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
